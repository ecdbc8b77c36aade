/**
 * The gRPC edge: authentication, undecodable requests, injected faults, and the mapping of
 * errors to statuses. Known conditions arrive as ApiErrors with their status; anything else is
 * INTERNAL with its message (never UNKNOWN). RPCs without a handler answer UNIMPLEMENTED.
 */
import type { Metadata } from '@grpc/grpc-js';
import { status, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Core } from '../context';
import { checkAuth } from '../../auth';
import { ApiError } from '../../errors';
import { handlers, targetLabels, targetResource, type Request } from './handlers';
import { clusterManagerService, DECODE_ERROR, type DecodedRequest } from './proto';
import { errorInfoMetadata } from './status-details';
import { projectOfRequest, SERVICE_DISABLED, serviceDisabled } from './service-disabled';

/** RPCs that answer with an Operation: only they can fail "in the operation". */
const OPERATION_RPCS = new Set([
  'CreateCluster',
  'DeleteCluster',
  'UpdateCluster',
  'SetLabels',
  'CreateNodePool',
  'DeleteNodePool',
  'SetNodePoolSize',
  'SetNodePoolAutoscaling',
]);

interface CallError {
  code: status;
  details: string;
  metadata?: Metadata;
}

/** PERMISSION_DENIED, worded as Google's, for a call without a quota project when one is required. */
function checkQuotaProject(required: boolean, md: Metadata): void {
  if (!required || md.get('x-goog-user-project').length > 0) return;
  throw new ApiError(
    status.PERMISSION_DENIED,
    'Your application is authenticating by using local Application Default Credentials. The container.googleapis.com API requires a quota project, which is not set by default. To learn how to set your quota project, see https://cloud.google.com/docs/authentication/adc-troubleshooting/user-creds .',
  );
}

function toCallError(e: unknown, rpc: string): CallError {
  if (e instanceof ApiError)
    return {
      code: e.code,
      details: e.message,
      metadata: e.reason
        ? errorInfoMetadata(e.code, e.message, e.reason, e.errorInfo?.domain, e.errorInfo?.metadata)
        : undefined,
    };
  return {
    code: status.INTERNAL,
    details: `${rpc}: internal error in the emulator: ${(e as Error)?.message ?? String(e)}`,
  };
}

/** The service implementation for grpc-js Server.addService. */
export function clusterManagerImplementation(core: Core): UntypedServiceImplementation {
  const impl: UntypedServiceImplementation = {};
  for (const rpc of Object.keys(clusterManagerService())) {
    impl[rpc] = (call: ServerUnaryCall<DecodedRequest, unknown>, callback: sendUnaryData<unknown>) => {
      try {
        checkAuth(core.settings.requireAuth, call.metadata);
        checkQuotaProject(core.settings.requireQuotaProject, call.metadata);
        const req = call.request;
        if (req[DECODE_ERROR])
          throw new ApiError(
            status.INVALID_ARGUMENT,
            `request could not be decoded as ${rpc}Request: ${req[DECODE_ERROR]}`,
          );
        const handler = handlers[rpc];
        if (!handler) throw new ApiError(status.UNIMPLEMENTED, `${rpc} is not implemented by the gkeflow GKE emulator`);
        const fault = core.faults.check(rpc, targetLabels(core, rpc, req as Request), targetResource(req as Request));
        if (fault?.reason === SERVICE_DISABLED)
          throw serviceDisabled(projectOfRequest(req as Request), fault.messageGiven ? fault.message : undefined);
        if (fault && (fault.where === 'call' || !OPERATION_RPCS.has(rpc)))
          throw new ApiError(fault.code, fault.message, fault.reason);
        callback(null, handler(core, req as Request, fault));
      } catch (e) {
        const err = toCallError(e, rpc);
        if (err.code === status.INTERNAL) core.log(`${rpc} failed: ${(e as Error)?.stack ?? String(e)}`);
        callback(err);
      }
    };
  }
  return impl;
}
