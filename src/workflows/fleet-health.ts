/**
 * fleetHealthWorkflow: one per owner, project and location (id formatHealthSweepId). It holds a
 * watch list of environments and their expectations, and every interval runs ONE activity
 * (sweepHealth: ListClusters once, then each watched environment's nodes, Deployment and Service)
 * instead of a timer and an activity in every environment. It judges each report with drift.ts and
 * signals only the environments whose verdict changed; each of those confirms with its own check
 * before it records anything (a sweep never marks an environment lost). A failed sweep records
 * lastError and signals nobody. It ends when its watch list is empty and continues as new,
 * carrying the list, when its history grows.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { GkeflowActivities } from '../contract/activities';
import {
  driftSuspectedSignal,
  fleetQuery,
  unwatchSignal,
  watchSignal,
  type FleetHealthInput,
  type SweepHealthResult,
} from '../contract/fleet-health';
import { stepSummary } from '../contract/steps';
import { describeError } from './errors';
import { changedVerdicts, sweepEveryMs, sweepInput } from './fleet-sweep';

/** Watches the environments of one project and location (it never ends by itself). */
export async function fleetHealthWorkflow(input: FleetHealthInput): Promise<never> {
  const watching = { ...input.watching };
  const me = workflowInfo().workflowId;
  const historyLimit = Math.max(input.historyEventLimit ?? 2000, 50);
  let sweeps = input.sweeps ?? 0;
  let lastSweepAt: string | undefined;
  let lastError: string | undefined;
  setHandler(watchSignal, (entry) => {
    watching[entry.expectation.env.id] = entry;
  });
  setHandler(unwatchSignal, ({ envId }) => {
    delete watching[envId];
  });
  setHandler(fleetQuery, () => ({
    watching: Object.entries(watching).map(([envId, e]) => ({ envId, verdict: e.verdict })),
    intervalMs: sweepEveryMs(watching),
    sweeps,
    ...(lastSweepAt ? { lastSweepAt } : {}),
    ...(lastError ? { lastError } : {}),
  }));
  // One attempt per sweep: the next sweep is the retry (each retry would be a billable action).
  const { sweepHealth } = proxyActivities<GkeflowActivities>({
    startToCloseTimeout: input.sweepTimeout ?? '2m',
    retry: { maximumAttempts: 1 },
  });
  const shouldContinue = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= historyLimit;
  const empty = () => Object.keys(watching).length === 0;
  for (;;) {
    await condition(() => !empty() || shouldContinue());
    if (shouldContinue()) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof fleetHealthWorkflow>({ ...input, watching, sweeps });
    }
    await sleep(sweepEveryMs(watching));
    if (empty()) continue;
    const sweep = sweepInput(input.project, input.location, watching);
    let result: SweepHealthResult;
    try {
      result = await sweepHealth.executeWithOptions({ summary: stepSummary('sweepHealth', sweep) }, [sweep]);
    } catch (err) {
      lastError = `sweep: ${describeError(err)}`;
      continue;
    }
    sweeps += 1;
    lastSweepAt = new Date(Date.now()).toISOString();
    lastError = undefined;
    // Signalled at once; each woken environment confirms with its own check.
    await Promise.all(
      changedVerdicts(watching, result.reports).map(async ({ envId, verdict }) => {
        const entry = watching[envId];
        if (!entry) return;
        entry.verdict = verdict;
        try {
          await getExternalWorkflowHandle(envId).signal(driftSuspectedSignal, { verdict, sweptBy: me });
        } catch (err) {
          // The environment's run is gone (ended without unwatching it): stop watching it.
          if (err instanceof ApplicationFailure && /not_?found/i.test(err.type ?? '')) delete watching[envId];
          else lastError = `signal ${envId}: ${describeError(err)}`;
        }
      }),
    );
  }
}
