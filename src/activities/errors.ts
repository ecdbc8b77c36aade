/**
 * One class per failure mode of the activities. The class name is the Temporal failure type
 * (ApplicationFailure.type); the permanent ones are listed in PERMANENT_ERROR_TYPES and fail
 * fast into compensation, the rest retry with backoff. `context` names the resource involved and
 * never holds a credential. Status codes are mapped to these classes in exactly one function per
 * client: gke-errors.ts, kube-errors.ts, registry-errors.ts.
 */
import { ApplicationFailure } from '@temporalio/common';

/** Plain, credential-free facts about the failure (cluster, operation, repository …). */
export type ErrorContext = Record<string, string | number | boolean | undefined>;

/** Base of every activity failure; `nonRetryable` decides how Temporal treats it. */
export abstract class ActivityError extends Error {
  abstract readonly nonRetryable: boolean;
  constructor(
    message: string,
    readonly context: ErrorContext = {},
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** The ApplicationFailure Temporal records: type = class name, details = [context]. */
  toFailure(): ApplicationFailure {
    return ApplicationFailure.create({ type: this.name, message: this.message, nonRetryable: this.nonRetryable, details: [this.context] });
  }
}

abstract class PermanentError extends ActivityError {
  readonly nonRetryable = true;
}
abstract class RetryableError extends ActivityError {
  readonly nonRetryable = false;
}

/** Thrown by any activity when its input contradicts itself or the spec (should have been caught by validation). */
export class InvalidSpecError extends PermanentError {}

/** Thrown by ensureCluster when a cluster of that name exists without this environment's `gkeflow-env` label. */
export class NameTakenError extends PermanentError {}

/** Thrown by GKE calls when a quota (CPUs, clusters, IPs) does not allow the request. */
export class QuotaExceededError extends PermanentError {}

/** Thrown by any client when the credentials are missing, expired beyond refresh, or lack a permission. */
export class PermissionDeniedError extends PermanentError {}

/** Thrown by pushImage when the source image, one of its blobs, or its tag does not exist. */
export class ImageNotFoundError extends PermanentError {}

/** Thrown by any client when the cloud rejects a request as malformed (INVALID_ARGUMENT, HTTP 400/422). */
export class InvalidArgumentError extends PermanentError {}

/** Thrown by resize/delete/wait when the cluster, node pool or Deployment the step needs does not exist. */
export class ResourceNotFoundError extends PermanentError {}

/** Thrown by applyDeployment/scaleDeployment when Kubernetes reports the rollout failed (ProgressDeadlineExceeded). */
export class RolloutFailedError extends PermanentError {}

/** Thrown by ensureCluster when the cluster exists but GKE reports it in status ERROR (it will not recover by itself). */
export class ClusterFailedError extends PermanentError {}

/** Thrown by GKE calls when the cluster is busy with another operation (FAILED_PRECONDITION); retry later. */
export class IncompatibleOperationError extends RetryableError {}

/** Thrown by any client on a transient condition: unavailable, deadline, internal, rate limit, conflict. */
export class TransientCloudError extends RetryableError {}

/** Thrown by a waiting activity when its own wait budget ran out before the resource became ready. */
export class OperationTimeoutError extends RetryableError {}

/**
 * Converts what an activity threw into what Temporal should record: our classes become typed
 * ApplicationFailures; anything else (a bug, an unmapped library error) stays retryable.
 */
export function toTemporalFailure(err: unknown): unknown {
  return err instanceof ActivityError ? err.toFailure() : err;
}
