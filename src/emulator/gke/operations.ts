/**
 * Long-running operations: PENDING → RUNNING → DONE (with progress, and an error when the work
 * fails, is cancelled or has an injected fault). One operation at a time per cluster, as GKE:
 * a second one is refused with FAILED_PRECONDITION ("incompatible operation").
 *
 * An emulator that stops suspends its operations instead of failing them: they stay RUNNING in
 * the state file with their plan, and the restarted emulator resumes each under its own name
 * (recovery.ts); the delays count from the operation's start, so a resume only waits what is left.
 */
import crypto from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { scaled, type Delays, type Settings } from '../settings';
import { ApiError, failedPrecondition, notFound } from '../errors';
import type { Fault } from '../faults';
import { clusterId, selfLink, type ClusterKey } from './names';
import type { EmulatorStore, OperationPlan, OperationRecord } from '../store/store';

/** What the work of an operation can do while it runs. */
export interface OperationContext {
  signal: AbortSignal;
  /** Reports progress (0–100) and the current stage name. */
  progress(percent: number, stage: string): void;
}

/** What an operation does: its type and target, the delay it takes, the work, and what happens to state on success or failure. */
export interface OperationSpec {
  cluster: ClusterKey;
  type: string;
  /** Resource path the operation targets (cluster or node pool). */
  target: string;
  /** Which injected delay the operation takes (at least; the work may take longer). */
  delay: keyof Delays;
  /** What it does, stored with the record so a restarted emulator can resume it. */
  plan: OperationPlan;
  detail?: string;
  /** The real work; a throw ends the operation with an error. */
  work: (ctx: OperationContext) => Promise<void>;
  /** Runs after the work succeeded (state changes: status RUNNING, record removed, …). */
  onDone?: () => void;
  /** Runs when the operation fails or is cancelled; `workDone` says whether the work had completed anyway. */
  onError?: (err: ApiError, workDone: boolean) => void;
  /** An injected fault: the operation fails after its delay, without doing the work. */
  fault?: Pick<Fault, 'code' | 'message'>;
}

/** The reason an operation's signal is aborted with when the emulator stops: it is kept, not ended. */
class Suspended extends Error {
  constructor() {
    super('emulator stopping');
  }
}

const abortable = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason as Error)), { once: true });
  });

/** Starts, tracks and cancels operations; the records live in the store. */
export class Operations {
  private active = new Map<string, { op: OperationRecord; abort: AbortController; done: Promise<void> }>();

  constructor(
    private readonly store: EmulatorStore,
    /** The current settings (the admin endpoint may replace them while an operation waits). */
    private readonly settings: () => Settings,
  ) {}

  /** The unfinished operation on a cluster, if any. */
  runningOn(k: ClusterKey): OperationRecord | undefined {
    return [...this.active.values()].find((a) => a.op.clusterId === clusterId(k))?.op;
  }

  /** Refuses when another operation runs on the cluster (GKE's "incompatible operation"). */
  assertIdle(k: ClusterKey): void {
    const other = this.runningOn(k);
    if (other) throw failedPrecondition(`Cluster is running incompatible operation ${other.name}.`);
  }

  /** Starts an operation and returns its record (PENDING). */
  start(spec: OperationSpec): OperationRecord {
    this.assertIdle(spec.cluster);
    const name = `operation-${Date.now()}-${crypto.randomBytes(4).toString('hex')}`;
    const { project, location } = spec.cluster;
    const op: OperationRecord = {
      name,
      project,
      location,
      operationType: spec.type,
      status: 'PENDING',
      detail: spec.detail ?? '',
      targetLink: selfLink(spec.target),
      selfLink: selfLink(`projects/${project}/locations/${location}/operations/${name}`),
      startTime: new Date().toISOString(),
      percent: 0,
      stage: 'PENDING',
      clusterId: clusterId(spec.cluster),
      plan: spec.plan,
      ...(spec.fault && { fault: { code: spec.fault.code, message: spec.fault.message } }),
    };
    this.store.beginOperation(op);
    this.track(op, spec);
    return op;
  }

  /**
   * Runs a stored operation again under its own name after a restart (spec rebuilt from its
   * plan): it waits what is left of its delays, redoes its work (which is idempotent) and ends
   * as it would have. One that was being cancelled ends CANCELLED.
   */
  resume(op: OperationRecord, spec: OperationSpec): void {
    const a = this.track(op, spec);
    if (op.status === 'ABORTING') a.abort(new Error('cancelled'));
  }

  private track(op: OperationRecord, spec: OperationSpec): AbortController {
    const abort = new AbortController();
    const done = this.run(op, spec, abort.signal).finally(() => this.active.delete(op.name));
    this.active.set(op.name, { op, abort, done });
    return abort;
  }

  private async run(op: OperationRecord, spec: OperationSpec, signal: AbortSignal): Promise<void> {
    const ctx: OperationContext = {
      signal,
      progress: (percent, stage) => this.store.recordProgress(op.name, percent, stage),
    };
    let workDone = false;
    // Delays count from the start, so an operation resumed after a restart waits only what is left.
    const started = Date.parse(op.startTime);
    const pendingUntil = started + scaled(this.settings(), 'operationPending');
    const until = (t: number) => Math.max(0, t - Date.now());
    try {
      await abortable(until(pendingUntil), signal);
      this.store.markOperationRunning(op.name);
      ctx.progress(1, 'RUNNING');
      const delayed = abortable(until(pendingUntil + scaled(this.settings(), spec.delay)), signal);
      if (spec.fault) {
        // An injected failure: the operation takes its time, then fails without doing the work.
        await delayed;
        throw new ApiError(spec.fault.code, spec.fault.message);
      }
      const work = spec.work(ctx).then(() => {
        workDone = true;
      });
      // A cancel ends the wait at once, but the work (e.g. starting a control plane) cannot be
      // interrupted half-way: let it settle so onError sees a consistent state.
      await Promise.all([work, delayed]).catch(async (e: unknown) => {
        await work.catch(() => {});
        throw e;
      });
      spec.onDone?.();
      this.store.completeOperation(op.name);
    } catch (e) {
      // Stopping: the operation stays as it is (RUNNING, its progress) for the next start to resume.
      if (signal.reason instanceof Suspended) return;
      const err = signal.aborted
        ? new ApiError(status.CANCELLED, 'Operation was cancelled.')
        : e instanceof ApiError
          ? e
          : new ApiError(status.INTERNAL, `operation failed: ${(e as Error).message}`);
      this.store.failOperation(op.name, err);
      spec.onError?.(err, workDone);
    }
    this.store.finishOperation(op.name);
  }

  /** Cancels an unfinished operation (it ends DONE with a CANCELLED error); a finished one is left alone. */
  cancel(op: OperationRecord): void {
    const a = this.active.get(op.name);
    if (!a) {
      if (op.status !== 'DONE') throw notFound(`operation ${op.name} is not running`);
      return;
    }
    this.store.markOperationAborting(op.name);
    a.abort.abort(new Error('cancelled'));
  }

  /** Resolves when every running operation has finished. */
  async idle(): Promise<void> {
    while (this.active.size) await Promise.allSettled([...this.active.values()].map((a) => a.done));
  }

  /** Cancels everything still running (admin reset) and waits for it to wind down. */
  async abortAll(): Promise<void> {
    for (const a of this.active.values()) a.abort.abort(new Error('emulator resetting'));
    await this.idle();
  }

  /**
   * Emulator stop: stops waiting in every running operation and lets work already under way
   * settle (a control plane cannot be left half-started), without ending any: each stays
   * unfinished in the state file, to be resumed on the next start.
   */
  async suspendAll(): Promise<void> {
    for (const a of this.active.values()) a.abort.abort(new Suspended());
    await this.idle();
  }
}
