/**
 * The cluster-change gate of the environment workflow: one change at a time, in arrival order
 * (GKE rejects concurrent operations anyway). New runs queue FIFO; runs that replay from before
 * PATCHES.serialUpdates keep the old all-at-once wait.
 */
import { condition, patched } from '@temporalio/workflow';
import { failure } from '../../contract/temporal-failures';
import { describeError } from '../errors';
import type { Release } from '../serial';
import { setPhase } from '../state';
import { PATCHES } from '../versioning';
import { busy, settledPhase, showRunning, type EnvRun } from './run';

/** Takes the gate; undefined when the environment is ending (nothing may change it then). */
export async function enter(run: EnvRun): Promise<Release | undefined> {
  if (patched(PATCHES.serialUpdates)) {
    const release = await run.lock.acquire(() => !run.legacyBusy);
    if (run.teardownReason !== undefined || run.closing) {
      release();
      return undefined;
    }
    return release;
  }
  await condition(() => !busy(run));
  if (run.teardownReason !== undefined) return undefined;
  run.legacyBusy = true;
  return () => (run.legacyBusy = false);
}

/** The failure type of each kind of change that failed. */
const FAILED = {
  scaling: 'ScaleFailedError',
  resizing: 'ResizeFailedError',
  extending: 'ExtendFailedError',
  updating: 'UpdateFailedError',
} as const;

/** Runs one cluster change inside the gate; its phase shows meanwhile, its failure names the step. */
export async function exclusive<T>(
  run: EnvRun,
  kind: 'scaling' | 'resizing' | 'extending' | 'updating',
  fn: () => Promise<T>,
): Promise<T> {
  const { ctx } = run;
  const { state } = ctx;
  const release = await enter(run);
  if (!release) throw failure('EnvironmentClosingError', 'the environment is being torn down');
  if (kind !== 'extending') setPhase(state, kind);
  try {
    return await fn();
  } catch (err) {
    if (kind !== 'extending') state.lastError = describeError(err);
    throw failure(FAILED[kind], `${ctx.currentStep} failed: ${describeError(err)}`, { cause: err as Error });
  } finally {
    release();
    // What the fleet sweep compares may have moved: the run sends it the new expectation.
    if (kind !== 'extending') run.rewatch = true;
    // A teardown that began meanwhile owns the phase now (older runs reset it, as they did).
    if (!(run.closing && patched(PATCHES.serialUpdates))) {
      setPhase(state, settledPhase(run));
      showRunning(run);
    }
  }
}
