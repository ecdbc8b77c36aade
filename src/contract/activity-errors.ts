/**
 * One class per failure mode of the activities. The failure types, their retryability and their
 * docs are registered in failures.ts; a class here only names one (its `name` is the Temporal
 * failure type). Plain Error subclasses without Temporal, so the clients and src/image (which
 * the emulator process loads) throw them without loading Temporal; temporal-failures.ts turns
 * them into ApplicationFailures at the activity boundary. Permanent ones fail fast into compensation, the rest retry with
 * backoff. `context` names the resource involved and never holds a credential. Status codes are
 * mapped to these classes in exactly one function per client, beside it in src/clients:
 * gke-errors.ts, kube-errors.ts, registry-errors.ts.
 */
import { FAILURES, type ActivityFailureType } from './failures';

/** Plain, credential-free facts about the failure (cluster, operation, repository …). */
export type ErrorContext = Record<string, string | number | boolean | undefined>;

/** Base of every activity failure; the registry decides whether Temporal retries it. */
export abstract class ActivityError extends Error {
  readonly nonRetryable: boolean;
  constructor(
    readonly type: ActivityFailureType,
    message: string,
    readonly context: ErrorContext = {},
  ) {
    super(message);
    this.name = type;
    this.nonRetryable = !FAILURES[type].retryable;
  }
}

/** The base class of one registered activity failure type. */
function failureType(type: ActivityFailureType) {
  return class extends ActivityError {
    constructor(message: string, context?: ErrorContext) {
      super(type, message, context);
    }
  };
}

/** Thrown by ensureCluster (ensureNamespace) when a cluster (namespace) of that name exists without this environment's `gkeflow-env` label. */
export class NameTakenError extends failureType('NameTakenError') {}

/** Thrown by GKE calls when a quota (CPUs, clusters, IPs) does not allow the request. */
export class QuotaExceededError extends failureType('QuotaExceededError') {}

/** Thrown by any client when the credentials are missing, expired beyond refresh, or lack a permission. */
export class PermissionDeniedError extends failureType('PermissionDeniedError') {}

/** Thrown by GKE calls when the project has not enabled the API (PERMISSION_DENIED, ErrorInfo SERVICE_DISABLED). */
export class ServiceDisabledError extends failureType('ServiceDisabledError') {}

/** Thrown by pushImage when the source image, one of its blobs, or its tag does not exist. */
export class ImageNotFoundError extends failureType('ImageNotFoundError') {}

/** Thrown by any client when the cloud rejects a request as malformed (INVALID_ARGUMENT, HTTP 400/422). */
export class InvalidArgumentError extends failureType('InvalidArgumentError') {}

/** Thrown by resize/delete/wait when the cluster, node pool or Deployment the step needs does not exist. */
export class ResourceNotFoundError extends failureType('ResourceNotFoundError') {}

/** Thrown by applyDeployment/scaleDeployment when Kubernetes reports the rollout failed (ProgressDeadlineExceeded). */
export class RolloutFailedError extends failureType('RolloutFailedError') {}

/** Thrown by ensureCluster when the cluster exists but GKE reports it in status ERROR (it will not recover by itself). */
export class ClusterFailedError extends failureType('ClusterFailedError') {}

/** Thrown by GKE calls when the cluster is busy with another operation (FAILED_PRECONDITION); retry later. */
export class IncompatibleOperationError extends failureType('IncompatibleOperationError') {}

/** Thrown by any client on a transient condition: unavailable, deadline, internal, rate limit, conflict. */
export class TransientCloudError extends failureType('TransientCloudError') {}

/** Thrown by a waiting activity when its own wait budget ran out before the resource became ready. */
export class OperationTimeoutError extends failureType('OperationTimeoutError') {}

/** Thrown by checkTeardown when a reaper's verdict no longer holds right before a delete (skip and report, never delete). */
export class TeardownRefusedError extends failureType('TeardownRefusedError') {}
