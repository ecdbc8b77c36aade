/**
 * Workflow Update is how down, scale, resize, extend (and the reaper's end) talk to an
 * environment. Servers before 1.25, or with `frontend.enableUpdateWorkflowExecution=false`,
 * refuse it with PermissionDenied; GetSystemInfo has no capability for it, so the refusal is
 * recognised here and turned into a clear error naming the server version needed.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { UsageError } from '../config/errors';

/** The first Temporal Server release with Workflow Update on by default. */
export const MIN_SERVER_FOR_UPDATE = '1.25';

const codeAndMessage = (e: unknown): { code?: number; message: string } => {
  for (let x = e as { code?: number; message?: string; cause?: unknown } | undefined; x; x = x.cause as typeof x) {
    if (typeof x.code === 'number') return { code: x.code, message: x.message ?? '' };
  }
  return { message: (e as Error)?.message ?? '' };
};

/** True when the server refused an update because Workflow Update is off (or unknown to it). */
export function isUpdateUnsupported(e: unknown): boolean {
  const { code, message } = codeAndMessage(e);
  if (code === grpcStatus.UNIMPLEMENTED) return true;
  return (
    code === grpcStatus.PERMISSION_DENIED &&
    /update/i.test(message) &&
    /disabled|not enabled|not allowed/i.test(message)
  );
}

/** Thrown when a command needs Workflow Update and the server does not allow it (exit 2, nothing changed). */
export class UpdateUnsupportedError extends UsageError {
  constructor(what: string, detail: string) {
    super(
      `${what} needs Workflow Update, which this Temporal refuses (${detail}): use Temporal Server >= ${MIN_SERVER_FOR_UPDATE} with frontend.enableUpdateWorkflowExecution=true (Temporal Cloud has it); nothing changed`,
      'GKF-UPDATE-UNSUPPORTED',
    );
  }
}

/** Runs an update call; a refusal of Update itself becomes UpdateUnsupportedError. */
export async function withUpdate<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isUpdateUnsupported(e)) throw new UpdateUnsupportedError(what, codeAndMessage(e).message.split('\n')[0]!);
    throw e;
  }
}
