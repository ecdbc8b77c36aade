/**
 * Waiting for GKE long-running operations: poll GetOperation with heartbeats carrying the
 * operation name, so a retried activity resumes waiting for the same operation instead of
 * starting a second one.
 */
import type { GkeClient, Operation } from '../clients/gke';
import { type ActivityError, type ErrorContext, OperationTimeoutError } from '../contract/activity-errors';
import { gkeError } from '../clients/gke-errors';
import { heartbeat, pause } from './progress';

const OP_STATUS = ['STATUS_UNSPECIFIED', 'PENDING', 'RUNNING', 'DONE', 'ABORTING'];
const CLUSTER_STATUS = [
  'STATUS_UNSPECIFIED',
  'PROVISIONING',
  'RUNNING',
  'RECONCILING',
  'STOPPING',
  'ERROR',
  'DEGRADED',
];

/** Enum values arrive as names from gax (enums: String) or numbers from other clients. */
export function enumName(v: unknown, names: string[]): string {
  return typeof v === 'number' ? (names[v] ?? String(v)) : String(v ?? 'STATUS_UNSPECIFIED');
}
export const operationStatus = (op: Operation) => enumName(op.status, OP_STATUS);
export const clusterStatus = (v: unknown) => enumName(v, CLUSTER_STATUS);

/** Heartbeat details of the GKE activities. */
export interface GkeProgress {
  /** Full operation name being waited for. */
  operation?: string;
  /** What the operation does (create, resize, delete) and for which resource. */
  step: string;
  status?: string;
  polls?: number;
  /**
   * When the wait for the cluster to be free of another operation began (epoch ms): a retried
   * deleteCluster keeps the budget of the attempt it follows instead of starting a new one.
   */
  busySince?: number;
}

/** `projects/P/locations/L/operations/OP` for an operation GKE named by short id or full name. */
export function operationName(parent: string, op: Operation): string {
  const name = op.name ?? '';
  return name.includes('/') ? name : `${parent}/operations/${name}`;
}

/** Consecutive transient GetOperation failures tolerated inside one wait. */
const MAX_POLL_BLIPS = 3;

export interface WaitOptions {
  pollMs: number;
  timeoutMs: number;
}

/** The error a DONE operation ended with, mapped by its status code; undefined when it succeeded. */
export function operationError(op: Operation, name: string, context: ErrorContext): ActivityError | undefined {
  if (!op.error?.code) return undefined;
  return gkeError(
    { code: op.error.code, details: op.error.message ?? op.statusMessage ?? 'operation failed' },
    { ...context, operation: name },
  );
}

/**
 * Polls until the operation is DONE and returns it, whether it succeeded or ended with an
 * error (see operationError). Heartbeats every poll.
 */
export async function awaitOperation(
  gke: GkeClient,
  name: string,
  step: string,
  o: WaitOptions,
  context: ErrorContext,
): Promise<Operation> {
  const deadline = Date.now() + o.timeoutMs;
  let blips = 0;
  for (let polls = 1; ; polls++) {
    let op: Operation;
    try {
      op = await gke.getOperation(name);
      blips = 0;
    } catch (e) {
      const err = gkeError(e, { ...context, operation: name });
      // A poll that hits a transient error is tried again here a few times: failing the whole
      // activity for one UNAVAILABLE would only make Temporal retry it to resume this same wait.
      if (err.nonRetryable || ++blips > MAX_POLL_BLIPS) throw err;
      heartbeat({ operation: name, step, status: 'POLL_RETRY', polls } satisfies GkeProgress);
      await pause(o.pollMs * 2 ** blips);
      continue;
    }
    const status = operationStatus(op);
    heartbeat({ operation: name, step, status, polls } satisfies GkeProgress);
    if (status === 'DONE') return op;
    if (Date.now() >= deadline)
      throw new OperationTimeoutError(
        `GKE operation ${name} (${step}) still ${status} after ${Math.round(o.timeoutMs / 1000)}s`,
        { ...context, operation: name },
      );
    await pause(o.pollMs);
  }
}

/** Polls until the operation is DONE; one that ended with an error throws that error (operationError). */
export async function waitForOperation(
  gke: GkeClient,
  name: string,
  step: string,
  o: WaitOptions,
  context: ErrorContext,
): Promise<Operation> {
  const op = await awaitOperation(gke, name, step, o, context);
  const err = operationError(op, name, context);
  if (err) throw err;
  return op;
}
