/**
 * gkeflow's failures as Temporal records them: the one place that builds ApplicationFailures from
 * the registry (failures.ts). Imported only by workflows and activities (where Temporal is
 * loaded anyway), so the error classes and the registry stay free of Temporal.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ActivityError } from './activity-errors';
import { FAILURES, type FailureType } from './failures';

/** A typed ApplicationFailure of a workflow or update failure type; retryability comes from the registry. */
export function failure(
  type: FailureType,
  message: string,
  extra: { details?: unknown[]; cause?: Error } = {},
): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: !FAILURES[type].retryable, ...extra });
}

/**
 * Converts what an activity threw into what Temporal should record: our classes become typed
 * ApplicationFailures (type = the failure type, details = [context]); anything else (a bug, an
 * unmapped library error) stays retryable.
 */
export function toTemporalFailure(err: unknown): unknown {
  return err instanceof ActivityError
    ? ApplicationFailure.create({
        type: err.type,
        message: err.message,
        nonRetryable: err.nonRetryable,
        details: [err.context],
      })
    : err;
}
