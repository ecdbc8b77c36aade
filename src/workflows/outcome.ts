/**
 * How an environment run ends, worked out once after its cleanup: completed (torn down as
 * asked), cancelled (and cleaned up), or failed at a step (with the failure the run ends with).
 */
import { isCancellation, type ApplicationFailure } from '@temporalio/workflow';
import type { CleanupResult } from './cleanup';
import type { TeardownResult } from '../contract/messages';
import { cleanupFailure, provisionFailure } from './errors';

/** What stopped the run: why, and the error when a step failed or the run was cancelled. */
export interface Stop {
  reason: string;
  cause?: unknown;
  /** The step in flight when it stopped (`teardown` when nothing failed). */
  step: string;
}

/** How the run ends. Every outcome carries what cleanup did (a waiting teardown update answers with it). */
export type Outcome =
  | { end: 'completed'; result: TeardownResult }
  | { end: 'cancelled'; result: TeardownResult; cancel: unknown }
  | { end: 'failed'; step: string; result: TeardownResult; cause?: unknown; failure: ApplicationFailure };

/**
 * The outcome of a run stopped by `stop` whose cleanup gave `cleanup`. A teardown (update or
 * TTL) completes; a cancel without a teardown request ends as cancelled; either one fails with
 * CleanupIncompleteError when something was left, and a failed step fails the run.
 */
export function outcomeOf(envId: string, stop: Stop, teardownRequested: boolean, cleanup: CleanupResult): Outcome {
  const { reason, cause } = stop;
  const result: TeardownResult = {
    envId,
    reason,
    cleaned: cleanup.cleaned,
    leftovers: cleanup.leftovers,
    ...(cleanup.possibleLeaks?.length ? { possibleLeaks: cleanup.possibleLeaks } : {}),
  };
  const requested = cause === undefined || (isCancellation(cause) && teardownRequested);
  const cancelled = isCancellation(cause) && !teardownRequested;
  if (cleanup.leftovers.length === 0 && requested) return { end: 'completed', result };
  if (cleanup.leftovers.length === 0 && cancelled) return { end: 'cancelled', result, cancel: cause };
  const details = { envId, failedStep: stop.step, reason, cleaned: cleanup.cleaned, leftovers: cleanup.leftovers };
  const failure = requested ? cleanupFailure(details) : provisionFailure(details, cause as Error);
  return { end: 'failed', step: stop.step, result, cause, failure };
}
