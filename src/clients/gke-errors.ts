/**
 * The one place where GKE (ClusterManager gRPC) failures become activity errors.
 */
import { status as Code } from '@grpc/grpc-js';
import {
  type ActivityError,
  type ErrorContext,
  IncompatibleOperationError,
  InvalidArgumentError,
  NameTakenError,
  PermissionDeniedError,
  QuotaExceededError,
  ResourceNotFoundError,
  ServiceDisabledError,
  TransientCloudError,
} from '../contract/activity-errors';

/** The parts of a google-gax GoogleError (or a grpc-js ServiceError) the mapping reads. */
interface GrpcLikeError {
  code?: number;
  details?: string;
  message?: string;
  /** ErrorInfo.reason from google.rpc.Status details, when the server sent one. */
  reason?: string;
  /** ErrorInfo.metadata (gax names it errorInfoMetadata: `metadata` is the gRPC metadata). */
  errorInfoMetadata?: Record<string, string>;
}

/** ErrorInfo.reason Google APIs answer (with PERMISSION_DENIED) when the project has not enabled the API. */
const SERVICE_DISABLED = 'SERVICE_DISABLED';

/** `projects/P/…` in a context value, or ErrorInfo's consumer (`projects/NUMBER`): the project to enable the API in. */
function projectToEnable(context: ErrorContext, consumer: string | undefined): string {
  for (const v of [context.project, context.cluster, context.parent, consumer]) {
    if (typeof v !== 'string') continue;
    const m = /^projects\/([^/]+)/.exec(v);
    if (m?.[1]) return m[1];
    if (v && v === context.project) return v;
  }
  return 'PROJECT';
}

/** The disabled API, named with the one line that enables it. */
function serviceDisabled(e: GrpcLikeError, detail: string, context: ErrorContext): ServiceDisabledError {
  const md = e.errorInfoMetadata ?? {};
  const service = md.service || 'container.googleapis.com';
  const title = md.serviceTitle || service;
  const project = projectToEnable(context, md.consumer);
  const url = md.activationUrl ? ` (or open ${md.activationUrl})` : '';
  return new ServiceDisabledError(
    `GKE: the ${title} (${service}) is not enabled in project ${project}: run ` +
      `gcloud services enable ${service} --project ${project}${url}, wait a few minutes, then retry. Google said: ${detail}`,
    { ...context, reason: SERVICE_DISABLED, service },
  );
}

/** ErrorInfo reasons Google APIs use for rate limiting (retryable), as opposed to quota (permanent). */
const RATE_LIMIT_REASONS = new Set(['RATE_LIMIT_EXCEEDED', 'rateLimitExceeded', 'userRateLimitExceeded']);
/** ErrorInfo reasons that say a quota, not IAM, refused the request. */
const QUOTA_REASONS = new Set(['QUOTA_EXCEEDED', 'quotaExceeded', 'RESOURCE_EXHAUSTED']);
/**
 * GKE refuses a create short of Compute Engine quota with PERMISSION_DENIED and no ErrorInfo:
 * "Insufficient regional quota to satisfy request: resource "CPUS": …". The message is then the
 * only signal; this is the one place that reads it.
 */
const GKE_QUOTA_MESSAGE = /^Insufficient (regional |zonal |project )?quota to satisfy (the )?request\b/;

/** True when a PERMISSION_DENIED is GKE's quota refusal, not a missing IAM permission. */
function isQuotaDenial(e: GrpcLikeError, detail: string): boolean {
  return (e.reason !== undefined && QUOTA_REASONS.has(e.reason)) || GKE_QUOTA_MESSAGE.test(detail);
}

/** The gRPC status code of an error thrown by the GKE client, if it has one. */
export function grpcCode(err: unknown): number | undefined {
  const c = (err as GrpcLikeError | undefined)?.code;
  return typeof c === 'number' ? c : undefined;
}

/**
 * Maps a GKE client error to an activity error by gRPC status code (and ErrorInfo.reason for
 * RESOURCE_EXHAUSTED and PERMISSION_DENIED). No message matching, but for one documented case:
 * - FAILED_PRECONDITION is what GKE answers while another operation runs on the cluster
 *   ("incompatible operation") and while a cluster is not yet RUNNING; both clear with time,
 *   so every FAILED_PRECONDITION is an IncompatibleOperationError (retryable).
 * - RESOURCE_EXHAUSTED is a rate limit (retryable) when ErrorInfo.reason says so, otherwise a
 *   quota (permanent): GKE's quota errors carry no other machine-readable signal.
 * - PERMISSION_DENIED is a disabled API (ServiceDisabledError) when ErrorInfo.reason is
 *   SERVICE_DISABLED, a quota (permanent, QuotaExceededError) when GKE says "Insufficient
 *   regional quota" (its create-time Compute Engine quota check), otherwise IAM.
 * - Unknown codes and errors without a code (network failures inside gax) are transient.
 */
export function gkeError(err: unknown, context: ErrorContext): ActivityError {
  const e = (err ?? {}) as GrpcLikeError;
  const detail = e.details || e.message || String(err);
  const msg = `GKE: ${detail}`;
  switch (e.code) {
    case Code.INVALID_ARGUMENT:
    case Code.OUT_OF_RANGE:
      return new InvalidArgumentError(msg, context);
    case Code.PERMISSION_DENIED:
      if (e.reason === SERVICE_DISABLED) return serviceDisabled(e, detail, context);
      return isQuotaDenial(e, detail)
        ? new QuotaExceededError(msg, { ...context, ...(e.reason ? { reason: e.reason } : {}) })
        : new PermissionDeniedError(msg, context);
    case Code.UNAUTHENTICATED:
      return new PermissionDeniedError(msg, context);
    case Code.NOT_FOUND:
      return new ResourceNotFoundError(msg, context);
    case Code.ALREADY_EXISTS:
      return new NameTakenError(msg, context);
    case Code.FAILED_PRECONDITION:
      return new IncompatibleOperationError(msg, context);
    case Code.RESOURCE_EXHAUSTED:
      return e.reason && RATE_LIMIT_REASONS.has(e.reason)
        ? new TransientCloudError(msg, { ...context, reason: e.reason })
        : new QuotaExceededError(msg, context);
    case Code.UNIMPLEMENTED:
      // The API does not offer this call (e.g. an emulator without it): retrying cannot help.
      return new InvalidArgumentError(msg, context);
    default:
      // UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, ABORTED, UNKNOWN, CANCELLED, DATA_LOSS, no code.
      return new TransientCloudError(msg, { ...context, grpcCode: e.code });
  }
}
