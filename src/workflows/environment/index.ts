/**
 * The entity workflow of one environment (id `gkeflow/<project>/<location>/<cluster>`):
 * validates its input once, provisions (saga: compensations registered before each create), then
 * stays alive serving `scale`/`resize`/`extend`/`teardown` updates and the `status` query, and
 * checking its resources for drift, until its TTL, a teardown, a cancel or the loss of its
 * cluster; continues-as-new (carrying the normalised spec) when its history grows.
 *
 * Its parts: run.ts (the state they share), handlers.ts and gate.ts (the messages and the
 * one-change-at-a-time gate), lifecycle.ts (provisioning, drift, TTL, continue-as-new),
 * ending.ts (cleanup and how the run ends).
 *
 * Versioning: behaviour added after the first recorded histories is gated by `patched()` with
 * the ids in PATCHES (versioning.ts), so runs started by older workers replay unchanged
 * (docs/upgrading.md). The order of the steps below is the order of the recorded commands.
 */
import type { TeardownResult } from '../../contract/messages';
import type { ProvisionInput } from '../../contract/workflow-input';
import { endStale } from './ending';
import { setHandlers } from './handlers';
import { keepAlive, provisionOnce } from './lifecycle';
import { startRun } from './run';

/** Provisions an environment and keeps it until teardown, TTL or cancel. Returns what teardown removed. */
export async function environmentWorkflow(input: ProvisionInput): Promise<TeardownResult> {
  const run = startRun(input);
  setHandlers(run);
  if (run.stale) return endStale(run, run.stale);
  if (!input.carried) {
    const failed = await provisionOnce(run);
    if (failed) return failed;
  }
  return keepAlive(run);
}
