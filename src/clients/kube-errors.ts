/**
 * The one place where Kubernetes API failures (HTTP status of @kubernetes/client-node's
 * ApiException, or a network error) become activity errors.
 */
import {
  type ActivityError,
  type ErrorContext,
  InvalidArgumentError,
  PermissionDeniedError,
  ResourceNotFoundError,
  TransientCloudError,
} from '../contract/activity-errors';

interface KubeLikeError {
  code?: number | string;
  body?: unknown;
  message?: string;
}

/** The HTTP status of a Kubernetes client error, if it has one. */
export function kubeStatus(err: unknown): number | undefined {
  const c = (err as KubeLikeError | undefined)?.code;
  return typeof c === 'number' ? c : undefined;
}

/** The `message` of a Kubernetes Status body, without the raw response headers ApiException carries. */
function statusMessage(e: KubeLikeError): string {
  let body = e.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      /* not JSON */
    }
  }
  const m = (body as { message?: unknown } | undefined)?.message;
  if (typeof m === 'string') return m;
  return (e.message ?? String(e)).split('\n')[0] ?? '';
}

/**
 * Maps by HTTP status: 400/422 invalid, 401/403 permission, 404 not found, 409 conflict and
 * 429/5xx transient; errors without a status (connection refused/reset, TLS, timeouts while a
 * control plane restarts) are transient too.
 */
export function kubeError(err: unknown, context: ErrorContext): ActivityError {
  const e = (err ?? {}) as KubeLikeError;
  const status = kubeStatus(err);
  const msg = `Kubernetes: ${statusMessage(e)}`;
  if (status === 400 || status === 422) return new InvalidArgumentError(msg, { ...context, httpStatus: status });
  if (status === 401 || status === 403) return new PermissionDeniedError(msg, { ...context, httpStatus: status });
  if (status === 404) return new ResourceNotFoundError(msg, { ...context, httpStatus: status });
  return new TransientCloudError(msg, {
    ...context,
    httpStatus: status,
    errno: typeof e.code === 'string' ? e.code : undefined,
  });
}
