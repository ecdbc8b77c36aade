/**
 * Where registry failures become activity errors: one function for the OCI distribution HTTP
 * API, one for the Artifact Registry gRPC API.
 */
import { status as Code } from '@grpc/grpc-js';
import {
  type ActivityError,
  type ErrorContext,
  ImageNotFoundError,
  InvalidArgumentError,
  NameTakenError,
  PermissionDeniedError,
  ResourceNotFoundError,
  TransientCloudError,
} from '../contract/activity-errors';

/** Error codes of the OCI distribution spec's error body (`{"errors":[{"code":…}]}`). */
const NOT_FOUND_CODES = new Set(['BLOB_UNKNOWN', 'MANIFEST_UNKNOWN', 'NAME_UNKNOWN']);

/** The first OCI error code in a registry error body, if any. */
export function ociErrorCode(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { errors?: Array<{ code?: string }> };
    return parsed.errors?.[0]?.code;
  } catch {
    return undefined;
  }
}

/**
 * Maps an HTTP response of a registry. `side` says whether the source (a missing thing there is
 * ImageNotFoundError) or the destination (ResourceNotFoundError) answered.
 * 401/403 (or DENIED/UNAUTHORIZED) ⇒ permission, 404 ⇒ not found, 400/405 ⇒ invalid,
 * 408/429/5xx ⇒ transient; anything else unexpected is transient.
 */
export function registryError(
  status: number,
  body: string,
  side: 'source' | 'destination',
  context: ErrorContext,
): ActivityError {
  const code = ociErrorCode(body);
  const msg = `registry (${side}) answered HTTP ${status}${code ? ` ${code}` : ''} for ${context.what ?? 'request'}`;
  const ctx = { ...context, httpStatus: status, ociCode: code };
  if (status === 401 || status === 403 || code === 'DENIED' || code === 'UNAUTHORIZED')
    return new PermissionDeniedError(msg, ctx);
  if (status === 404 || (code && NOT_FOUND_CODES.has(code)))
    return side === 'source' ? new ImageNotFoundError(msg, ctx) : new ResourceNotFoundError(msg, ctx);
  if (status === 400 || status === 405 || status === 413) return new InvalidArgumentError(msg, ctx);
  return new TransientCloudError(msg, ctx);
}

/** A fetch that failed before any HTTP status (connection refused, reset, DNS) is transient. */
export function registryNetworkError(err: unknown, context: ErrorContext): ActivityError {
  const cause = (err as { cause?: { code?: string } }).cause?.code;
  return new TransientCloudError(`registry unreachable: ${cause ?? (err as Error).message}`, {
    ...context,
    errno: cause,
  });
}

/**
 * Maps an Artifact Registry API (gRPC) failure: NOT_FOUND ⇒ not found, PERMISSION_DENIED /
 * UNAUTHENTICATED ⇒ permission (the message names the role a push needs), INVALID_ARGUMENT /
 * UNIMPLEMENTED ⇒ invalid, ALREADY_EXISTS ⇒ name taken, anything else transient.
 */
export function artifactRegistryError(err: unknown, context: ErrorContext): ActivityError {
  const e = (err ?? {}) as { code?: number; details?: string; message?: string };
  const msg = `Artifact Registry: ${e.details || e.message || String(err)}`;
  switch (e.code) {
    case Code.NOT_FOUND:
      return new ResourceNotFoundError(msg, context);
    case Code.PERMISSION_DENIED:
    case Code.UNAUTHENTICATED:
      return new PermissionDeniedError(
        `${msg} (creating a repository needs roles/artifactregistry.admin, or create it beforehand and grant roles/artifactregistry.repoAdmin)`,
        context,
      );
    case Code.INVALID_ARGUMENT:
    case Code.UNIMPLEMENTED:
      return new InvalidArgumentError(msg, context);
    case Code.ALREADY_EXISTS:
      return new NameTakenError(msg, context);
    default:
      return new TransientCloudError(msg, { ...context, grpcCode: e.code });
  }
}
