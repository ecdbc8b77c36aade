/**
 * Bearer-token authentication of gRPC calls, shared by both API edges (GKE's ClusterManager and
 * Artifact Registry), so neither edge imports the other.
 */
import { status, type Metadata } from '@grpc/grpc-js';
import { ApiError } from './errors';

/** UNAUTHENTICATED unless the call carries `authorization: Bearer <token>` (the given token, when one is fixed). */
export function checkAuth(required: boolean | string, md: Metadata): void {
  if (!required) return;
  const header = md.get('authorization')[0];
  const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!m)
    throw new ApiError(
      status.UNAUTHENTICATED,
      'Request is missing required authentication credential. Expected OAuth 2 access token (authorization: Bearer <token>).',
    );
  if (typeof required === 'string' && m[1] !== required)
    throw new ApiError(status.UNAUTHENTICATED, 'Request had invalid authentication credentials.');
}
