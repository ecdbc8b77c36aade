// The workflows of bench/step-cost.ts: `n` sequential calls of a no-op step, as activities or as
// local activities, each with a summary as gkeflow's steps carry. Deterministic, bench-only.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

export interface StepCostActivities {
  noop(i: number): Promise<number>;
}

const remote = proxyActivities<StepCostActivities>({ startToCloseTimeout: '1m' });
const local = proxyLocalActivities<StepCostActivities>({ startToCloseTimeout: '1m' });

/** `n` no-op steps one after another, each as an activity (`local` false) or a local activity. */
export async function stepCostWorkflow(n: number, asLocal: boolean): Promise<void> {
  const fn = (asLocal ? local : remote).noop as unknown as {
    executeWithOptions(o: { summary: string }, args: unknown[]): Promise<number>;
  };
  for (let i = 0; i < n; i++) await fn.executeWithOptions({ summary: `No-op step ${i + 1} of ${n}` }, [i]);
}
