/**
 * How a running environment joins its fleet health sweep (fleetHealthWorkflow) without a
 * Temporal client in an activity: it signals `watch` to the sweep's deterministic id; when no
 * sweep runs, it starts one as an abandoned child carrying its entry; when that start races
 * another environment's, it signals again. It sends `unwatch` when its cleanup begins.
 */
import {
  ApplicationFailure,
  CancellationScope,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  startChild,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  FLEET_HEALTH_WORKFLOW,
  formatHealthSweepId,
  unwatchSignal,
  watchSignal,
  type FleetHealthInput,
  type WatchEntry,
} from '../../contract/fleet-health';
import { expectationOf } from '../drift';
import { describeError } from '../errors';
import { ownVerdict } from '../fleet-sweep';
import { healthCheckEveryMs } from '../health-check';
import type { EnvRun } from './run';

/** This environment's entry on the sweep's watch list. */
export function watchEntryOf(run: EnvRun): WatchEntry {
  const { spec, state, tuning } = run.ctx;
  return {
    expectation: expectationOf(spec, state),
    intervalMs: healthCheckEveryMs(spec, tuning),
    verdict: ownVerdict(state),
  };
}

/** Signals the sweep; false when it is not running. */
async function signalled(id: string, signal: () => Promise<void>): Promise<boolean> {
  try {
    await CancellationScope.nonCancellable(signal);
    return true;
  } catch (err) {
    if (err instanceof ApplicationFailure && /not_?found/i.test(err.type ?? '')) return false;
    throw err;
  }
}

/**
 * Puts (or keeps) this environment on its sweep's watch list with its current expectation.
 * Sets state.watchedBy, or leaves it unset (and lastError) when no sweep could be reached, so the
 * run falls back to checking itself.
 */
export async function watchMe(run: EnvRun): Promise<void> {
  const { spec, state, tuning } = run.ctx;
  const id = formatHealthSweepId({
    target: spec.target,
    project: spec.project,
    location: spec.location,
    owner: run.input.owner,
  });
  const entry = watchEntryOf(run);
  const send = () => getExternalWorkflowHandle(id).signal(watchSignal, entry);
  try {
    if (!(await signalled(id, send))) {
      const input: FleetHealthInput = {
        project: spec.project,
        location: spec.location,
        watching: { [entry.expectation.env.id]: entry },
        ...(tuning.shortTimeout !== undefined ? { sweepTimeout: tuning.shortTimeout } : {}),
        ...(tuning.historyEventLimit !== undefined ? { historyEventLimit: tuning.historyEventLimit } : {}),
      };
      try {
        // Not cancellable: cancelling this run must never cancel the sweep of its neighbours.
        await CancellationScope.nonCancellable(() =>
          startChild(FLEET_HEALTH_WORKFLOW, {
            workflowId: id,
            args: [input],
            parentClosePolicy: ParentClosePolicy.ABANDON,
            staticSummary: `Fleet health sweep of ${spec.project}/${spec.location}`,
          }),
        );
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError) || !(await signalled(id, send))) throw err;
      }
    }
    state.watchedBy = id;
  } catch (err) {
    delete state.watchedBy;
    state.lastError = `fleet sweep ${id}: ${describeError(err)}`;
  }
}

/** Takes this environment off its sweep's watch list (cleanup began); a sweep already gone is fine. */
export async function unwatchMe(run: EnvRun): Promise<void> {
  const { env, state } = run.ctx;
  const id = state.watchedBy;
  if (id === undefined) return;
  delete state.watchedBy;
  await signalled(id, () => getExternalWorkflowHandle(id).signal(unwatchSignal, { envId: env.id })).catch(
    () => undefined,
  );
}
