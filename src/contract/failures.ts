/**
 * The registry of Temporal failure types (ApplicationFailure.type) gkeflow raises: whether
 * Temporal may retry it, the error code (error-codes.ts) whose exit status it ends a command
 * with, and its line in docs/errors.md. The activity error classes, the workers' non-retryable
 * list, the CLI's exit mapping and the docs test all derive from this table. Workflow-safe and
 * free of Temporal (temporal-failures.ts builds the ApplicationFailures).
 */
import { ERROR_CODES } from './error-codes';
/** Where a failure type is raised. */
export type FailureSource =
  /** The spec failed validation (the workflow checks it again); never retried anywhere. */
  | 'validation'
  /** An activity: the error classes of activity-errors.ts. */
  | 'activity'
  /** The environment workflow, ending a run (or failing a provisioning step). */
  | 'workflow'
  /** The environment workflow's `scale`/`resize` updates. */
  | 'update';

/** One failure type. */
export interface FailureInfo {
  source: FailureSource;
  /** false: Temporal never retries it (listed in every activity's nonRetryableErrorTypes). */
  retryable: boolean;
  /** The error code this failure ends a command as; its exit status (1 a run failed, 2 bad input) is the code's. */
  code: 'GKF-SPEC-INVALID' | 'GKF-RUN-FAILED';
  /** Its meaning, as docs/errors.md lists it. */
  doc: string;
}

/** Every failure type, in the order docs/errors.md lists them. */
const FAILURE_TABLE = {
  InvalidSpecError: {
    source: 'validation',
    retryable: false,
    code: 'GKF-SPEC-INVALID',
    doc: 'the spec given to the environment workflow is invalid; nothing was touched',
  },
  NameTakenError: {
    source: 'activity',
    retryable: false,
    code: 'GKF-RUN-FAILED',
    doc: "a cluster (or a namespace environment's namespace) of that name exists without this environment's gkeflow-env label",
  },
  QuotaExceededError: {
    source: 'activity',
    retryable: false,
    code: 'GKF-RUN-FAILED',
    doc: 'a GKE quota (CPUs, clusters, IPs) does not allow the request',
  },
  PermissionDeniedError: {
    source: 'activity',
    retryable: false,
    code: 'GKF-RUN-FAILED',
    doc: 'credentials are missing, expired beyond refresh, or lack a permission',
  },
  ServiceDisabledError: {
    source: 'activity',
    retryable: false,
    code: 'GKF-RUN-FAILED',
    doc: 'the project has not enabled the API the call needs (ErrorInfo SERVICE_DISABLED); the message names the `gcloud services enable` line',
  },
  ImageNotFoundError: {
    source: 'activity',
    retryable: false,
    code: 'GKF-RUN-FAILED',
    doc: 'the source image, one of its blobs, or its tag does not exist',
  },
  InvalidArgumentError: {
    source: 'activity',
    retryable: false,
    code: 'GKF-RUN-FAILED',
    doc: 'the cloud rejected a request as malformed, or does not offer the call',
  },
  ResourceNotFoundError: {
    source: 'activity',
    retryable: false,
    code: 'GKF-RUN-FAILED',
    doc: 'the cluster, node pool or Deployment a step needs does not exist',
  },
  RolloutFailedError: {
    source: 'activity',
    retryable: false,
    code: 'GKF-RUN-FAILED',
    doc: 'Kubernetes reports the rollout failed (ProgressDeadlineExceeded)',
  },
  ClusterFailedError: {
    source: 'activity',
    retryable: false,
    code: 'GKF-RUN-FAILED',
    doc: 'GKE reports the cluster in status ERROR',
  },
  IncompatibleOperationError: {
    source: 'activity',
    retryable: true,
    code: 'GKF-RUN-FAILED',
    doc: 'the cluster is busy with another operation; retried later',
  },
  TransientCloudError: {
    source: 'activity',
    retryable: true,
    code: 'GKF-RUN-FAILED',
    doc: 'unavailable, deadline, internal error, rate limit or conflict; retried with backoff',
  },
  OperationTimeoutError: {
    source: 'activity',
    retryable: true,
    code: 'GKF-RUN-FAILED',
    doc: "a waiting activity's own wait budget ran out; retried",
  },
  TeardownRefusedError: {
    source: 'activity',
    retryable: false,
    code: 'GKF-RUN-FAILED',
    doc: "a reaper's teardown re-read the cluster right before a delete and found it no longer provably its own and dead (protected, owned elsewhere, extended, or its workflow open): nothing was deleted",
  },
  EndpointProbeFailedError: {
    source: 'workflow',
    retryable: false,
    code: 'GKF-RUN-FAILED',
    doc: 'the endpoint answered, but not with the expected status',
  },
  ProvisionFailedError: {
    source: 'workflow',
    retryable: false,
    code: 'GKF-RUN-FAILED',
    doc: 'a provisioning step failed; everything created was cleaned up',
  },
  CleanupIncompleteError: {
    source: 'workflow',
    retryable: false,
    code: 'GKF-RUN-FAILED',
    doc: 'some resources could not be deleted; they are listed and left labelled for the reaper',
  },
  EnvironmentLostError: {
    source: 'workflow',
    retryable: false,
    code: 'GKF-RUN-FAILED',
    doc: 'the cluster was deleted outside gkeflow (seen missing by two drift checks); what remained was cleaned up',
  },
  EnvironmentClosingError: {
    source: 'update',
    retryable: false,
    code: 'GKF-RUN-FAILED',
    doc: 'a scale, resize or extend was waiting when the environment began tearing down',
  },
  ScaleFailedError: {
    source: 'update',
    retryable: false,
    code: 'GKF-RUN-FAILED',
    doc: 'the scale update ran and failed (its cause says why)',
  },
  ResizeFailedError: {
    source: 'update',
    retryable: false,
    code: 'GKF-RUN-FAILED',
    doc: 'the resize update ran and failed (its cause says why)',
  },
  UpdateFailedError: {
    source: 'update',
    retryable: false,
    code: 'GKF-RUN-FAILED',
    doc: 'the apply update (a changed app spec) ran and failed; the environment keeps what was applied (its cause says why)',
  },
  ExtendFailedError: {
    source: 'update',
    retryable: false,
    code: 'GKF-RUN-FAILED',
    doc: 'the extend update could not relabel the cluster; the TTL is unchanged (its cause says why)',
  },
} as const satisfies Record<string, FailureInfo>;

type FailureTable = typeof FAILURE_TABLE;

/** Every failure type with its exit status, read from its error code's registry entry. */
export const FAILURES = Object.fromEntries(
  Object.entries(FAILURE_TABLE).map(([type, f]) => [type, { ...f, exit: ERROR_CODES[f.code].exit }]),
) as { [K in keyof FailureTable]: FailureTable[K] & { exit: (typeof ERROR_CODES)[FailureTable[K]['code']]['exit'] } };

/** A registered failure type name. */
export type FailureType = keyof typeof FAILURES;

/** The failure types activities raise (one error class each in activity-errors.ts). */
export type ActivityFailureType = {
  [K in FailureType]: (typeof FAILURES)[K]['source'] extends 'activity' ? K : never;
}[FailureType];

const entries = Object.entries(FAILURES) as Array<[FailureType, FailureInfo & { exit: 1 | 2 }]>;

/** The failure types raised by `source`, in registry order. */
export function failureTypesOf(source: FailureSource): FailureType[] {
  return entries.filter(([, f]) => f.source === source).map(([t]) => t);
}

/**
 * The activities' nonRetryableErrorTypes: every permanent type an activity attempt may end with
 * (the activities' own, and an invalid spec), in registry order.
 */
export const NON_RETRYABLE_TYPES: readonly string[] = Object.freeze(
  entries.filter(([, f]) => !f.retryable && (f.source === 'activity' || f.source === 'validation')).map(([t]) => t),
);

/** True when `type` is a registered failure type. */
export function isFailureType(type: unknown): type is FailureType {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(FAILURES, type);
}

/** The CLI's exit code for a failure type, or undefined when it is not a registered one. */
export function failureExitCode(type: string | null | undefined): 1 | 2 | undefined {
  return isFailureType(type) ? FAILURES[type].exit : undefined;
}
