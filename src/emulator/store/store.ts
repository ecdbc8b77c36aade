/**
 * The emulator's state: clusters with their node pools, operations, and leaked load balancers,
 * kept in memory and persisted as one JSON file in the state dir (written atomically, at most
 * once per SAVE_DELAY_MS, or per SAVE_COST_FACTOR times the last write's duration when the state
 * is large: 10,000 clusters make a 15 MB file whose write took ~0.5 s, and a write every 100 ms
 * kept the emulator's thread busy writing; a failed write is logged and retried, never fatal), so a restarted
 * emulator finds its clusters again. Finished operations are pruned beyond MAX_DONE_OPERATIONS.
 *
 * The store alone changes state, through the named transitions below; everyone else reads
 * records, whose fields are readonly. Every transition schedules a save.
 */
import { status } from '@grpc/grpc-js';
import { notFound } from '../errors';
import { clusterId, clusterPath, type ClusterKey, type PoolKey } from '../gke/names';
import type {
  Autoscaling,
  ClusterChanges,
  ClusterRecord,
  ClusterStatus,
  ControlPlaneAccess,
  LeakedLoadBalancer,
  OperationRecord,
  PoolRecord,
  PoolStatus,
} from './records';
import { readStateFile, stateFile, writeStateFile } from './state-file';

export type * from './records';
export { EmulatorStateError } from './state-file';

/** Finished operations kept (GKE, too, forgets old ones); running ones are always kept. */
export const MAX_DONE_OPERATIONS = 500;
/** Changes within this window cost one write of the state file. */
export const SAVE_DELAY_MS = 100;
/** A write of the whole state waits at least this many times as long as the last one took. */
export const SAVE_COST_FACTOR = 10;
/** After a failed write, the next attempt waits this long. */
const SAVE_RETRY_MS = 2000;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type MutableCluster = Mutable<Omit<ClusterRecord, 'pools'>> & { pools: Array<Mutable<PoolRecord>> };
type MutableOperation = Mutable<OperationRecord>;

/** In-memory state with JSON persistence; records are read-only outside, changed by transitions. */
export class EmulatorStore {
  private readonly clusters = new Map<string, MutableCluster>();
  private readonly operations = new Map<string, MutableOperation>();
  private leaked: LeakedLoadBalancer[] = [];
  private pending: NodeJS.Timeout | undefined;
  private failing = false;
  /** How long the last write took (ms). */
  private lastWriteMs = 0;
  readonly file: string;

  constructor(
    stateDir: string,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.file = stateFile(stateDir);
    const s = readStateFile(this.file);
    if (!s) return;
    for (const c of s.clusters) this.clusters.set(clusterId(c), c as MutableCluster);
    for (const o of s.operations) this.operations.set(o.name, o);
    this.leaked = [...s.leaks];
  }

  // ---- reads ----

  /** The cluster, or NOT_FOUND as GKE words it. */
  cluster(k: ClusterKey): ClusterRecord {
    return this.mutable(k);
  }

  findCluster(k: ClusterKey): ClusterRecord | undefined {
    return this.clusters.get(clusterId(k));
  }

  /** Clusters of a project in one location, or in all with `-`. */
  listClusters(project: string, location: string): ClusterRecord[] {
    return [...this.clusters.values()].filter(
      (c) => c.project === project && (location === '-' || c.location === location),
    );
  }

  allClusters(): ClusterRecord[] {
    return [...this.clusters.values()];
  }

  operation(project: string, location: string, name: string): OperationRecord {
    const o = this.operations.get(name);
    if (!o || o.project !== project || (location !== '-' && o.location !== location))
      throw notFound(`Not found: projects/${project}/locations/${location}/operations/${name}.`);
    return o;
  }

  /** Operations not DONE yet (after a restart: those the last run left unfinished). */
  unfinishedOperations(): OperationRecord[] {
    return [...this.operations.values()].filter((o) => o.status !== 'DONE');
  }

  /** The cluster an operation works on, if it still exists. */
  clusterOf(o: OperationRecord): ClusterRecord | undefined {
    return this.clusters.get(o.clusterId);
  }

  listOperations(project: string, location: string): OperationRecord[] {
    return [...this.operations.values()].filter(
      (o) => o.project === project && (location === '-' || o.location === location),
    );
  }

  /** Load balancers left behind by deleted clusters (a copy). */
  leaks(): LeakedLoadBalancer[] {
    return [...this.leaked];
  }

  /** Nodes and clusters a project uses now, for quota checks. */
  usage(project: string): { clusters: number; nodes: number } {
    const mine = [...this.clusters.values()].filter((c) => c.project === project);
    const nodes = mine.flatMap((c) => c.pools).reduce((n, p) => n + p.nodeCount * p.locations.length, 0);
    return { clusters: mine.length, nodes };
  }

  // ---- cluster transitions ----

  /** A new cluster, PROVISIONING. */
  beginCreate(c: ClusterRecord): void {
    this.clusters.set(clusterId(c), c as MutableCluster);
    this.save();
  }

  /** The control plane answers at `access` (created or restarted). */
  recordAccess(k: ClusterKey, access: ControlPlaneAccess): void {
    this.change(k, (c) => (c.access = access));
  }

  /** Creation finished: the cluster and its pools are RUNNING. */
  markRunning(k: ClusterKey): void {
    this.change(k, (c) => {
      c.status = 'RUNNING';
      for (const p of c.pools) p.status = 'RUNNING';
    });
  }

  /** Creation failed: the cluster and its pools are ERROR. */
  failCreate(k: ClusterKey, message: string): void {
    this.change(k, (c) => {
      c.status = 'ERROR';
      c.statusMessage = message;
      for (const p of c.pools) p.status = 'ERROR';
    });
  }

  /** The cluster is ERROR (its pools keep their status), e.g. a control plane that did not restart. */
  markError(k: ClusterKey, message: string): void {
    this.change(k, (c) => {
      c.status = 'ERROR';
      c.statusMessage = message;
    });
  }

  /** An operation changes the cluster: RECONCILING. */
  beginReconcile(k: ClusterKey): void {
    this.setStatus(k, 'RECONCILING');
  }

  /** The change ended (done or not): RUNNING. */
  endReconcile(k: ClusterKey): void {
    this.setStatus(k, 'RUNNING');
  }

  /** Deletion starts: STOPPING. Returns the status it had, for abortDelete. */
  beginDelete(k: ClusterKey): ClusterStatus {
    const before = this.mutable(k).status;
    this.setStatus(k, 'STOPPING');
    return before;
  }

  /** Deletion stopped before the control plane went: an ERROR cluster stays ERROR, any other is RUNNING. */
  abortDelete(k: ClusterKey, before: ClusterStatus): void {
    this.setStatus(k, before === 'ERROR' ? 'ERROR' : 'RUNNING');
  }

  /** Deletion finished: the record is gone. */
  finishDelete(k: ClusterKey): void {
    this.clusters.delete(clusterId(k));
    this.save();
  }

  /** An UPDATE_CLUSTER's work is done: apply its changes; RUNNING. */
  applyUpdate(k: ClusterKey, u: ClusterChanges): void {
    this.change(k, (c) => {
      const pool = u.pool === undefined ? undefined : c.pools.find((p) => p.name === u.pool);
      if (pool && u.autoscaling) pool.autoscaling = u.autoscaling.value;
      if (pool && u.nodeVersion !== undefined) pool.version = u.nodeVersion;
      if (pool && u.imageType !== undefined) pool.imageType = u.imageType;
      if (u.masterVersion !== undefined) c.masterVersion = u.masterVersion;
      if (u.locations) {
        c.locations = u.locations;
        for (const p of c.pools) p.locations = u.locations;
      }
      if (u.releaseChannel !== undefined) c.releaseChannel = u.releaseChannel;
      if (u.loggingService !== undefined) c.loggingService = u.loggingService;
      if (u.monitoringService !== undefined) c.monitoringService = u.monitoringService;
      c.status = 'RUNNING';
    });
  }

  /** New resource labels with their fingerprint. */
  setLabels(k: ClusterKey, labels: Readonly<Record<string, string>>, fingerprint: string): void {
    this.change(k, (c) => {
      c.resourceLabels = labels;
      c.labelFingerprint = fingerprint;
    });
  }

  // ---- node-pool transitions ----

  /** A new pool in the cluster (PROVISIONING). */
  addPool(k: ClusterKey, pool: PoolRecord): void {
    this.change(k, (c) => c.pools.push(pool));
  }

  setPoolStatus(k: PoolKey, s: PoolStatus): void {
    this.changePool(k, (p) => (p.status = s));
  }

  /** The pool has nodeCount nodes per zone (and, when given, new autoscaling bounds); RUNNING. */
  resizePool(k: PoolKey, nodeCount: number, autoscaling?: { value: Autoscaling | undefined }): void {
    this.changePool(k, (p) => {
      if (autoscaling) p.autoscaling = autoscaling.value;
      p.nodeCount = nodeCount;
      p.status = 'RUNNING';
    });
  }

  removePool(k: PoolKey): void {
    this.change(k, (c) => (c.pools = c.pools.filter((p) => p.name !== k.pool)));
  }

  // ---- operation transitions ----

  /** A new operation, PENDING. */
  beginOperation(o: OperationRecord): void {
    this.operations.set(o.name, o);
    this.pruneOperations();
    this.save();
  }

  /** PENDING → RUNNING. */
  markOperationRunning(name: string): void {
    this.changeOp(name, (o) => (o.status = 'RUNNING'));
  }

  /** Progress (never backwards, at most 99 until done) and the current stage name. */
  recordProgress(name: string, percent: number, stage: string): void {
    // Progress alone is not worth a write: the next transition (or stop) persists it.
    const o = this.operations.get(name);
    if (!o) return;
    o.percent = Math.max(o.percent, Math.min(99, Math.round(percent)));
    o.stage = stage;
  }

  /** A cancel was asked for: ABORTING until the work winds down. */
  markOperationAborting(name: string): void {
    this.changeOp(name, (o) => (o.status = 'ABORTING'));
  }

  /** The operation succeeded: 100 %, stage DONE (finishOperation ends it). */
  completeOperation(name: string): void {
    this.changeOp(name, (o) => {
      o.percent = 100;
      o.stage = 'DONE';
    });
  }

  /** The operation failed, was cancelled or had an injected fault (finishOperation ends it). */
  failOperation(name: string, error: { code: number; message: string }): void {
    this.changeOp(name, (o) => (o.error = { code: error.code, message: error.message }));
  }

  /** The operation is DONE, now. */
  finishOperation(name: string): void {
    this.changeOp(name, (o) => {
      o.status = 'DONE';
      o.endTime = new Date().toISOString();
    });
  }

  // ---- leaks, restart, reset ----

  recordLeaks(leaks: readonly LeakedLoadBalancer[]): void {
    this.leaked.push(...leaks);
    this.save();
  }

  clearLeaks(): void {
    this.leaked = [];
    this.save();
  }

  /**
   * After a restart: the operations in `resumed` stay as they are (they run again under their
   * names); any other cut short ends ABORTED and its cluster settles (pools RUNNING unless
   * ERROR; a half-created cluster is ERROR; a reconciling one RUNNING).
   */
  settleAfterRestart(resumed: ReadonlySet<string>): void {
    const now = new Date().toISOString();
    const busy = new Set<string>();
    for (const o of this.operations.values()) {
      if (o.status === 'DONE') continue;
      if (resumed.has(o.name)) {
        busy.add(o.clusterId);
        continue;
      }
      o.status = 'DONE';
      o.endTime = now;
      o.error = { code: status.ABORTED, message: 'The emulator restarted while this operation ran.' };
    }
    for (const [id, c] of this.clusters) {
      if (busy.has(id)) continue;
      for (const p of c.pools) if (p.status !== 'ERROR') p.status = 'RUNNING';
      if (c.status === 'PROVISIONING') {
        c.status = 'ERROR';
        c.statusMessage = 'The emulator restarted while the cluster was being created.';
      } else if (c.status === 'RECONCILING') c.status = 'RUNNING';
    }
    this.save();
  }

  /** Forgets everything (admin reset). */
  clear(): void {
    this.clusters.clear();
    this.operations.clear();
    this.leaked = [];
    this.save();
  }

  /** Writes the state now (atomically: temp file, then rename). */
  flush(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = undefined;
    writeStateFile(this.file, {
      version: 1,
      clusters: [...this.clusters.values()],
      operations: [...this.operations.values()],
      leaks: this.leaked,
    });
  }

  // ---- internals ----

  /** Schedules a write; the changes of the next SAVE_DELAY_MS (or SAVE_COST_FACTOR × the last write) cost one write. */
  private save(delay = Math.max(SAVE_DELAY_MS, SAVE_COST_FACTOR * this.lastWriteMs)): void {
    this.pending ??= setTimeout(() => this.saveNow(), delay);
  }

  /** A scheduled write: a failure (disk full, read-only dir) is logged once and retried, never thrown. */
  private saveNow(): void {
    this.pending = undefined;
    try {
      const t0 = Date.now();
      this.flush();
      this.lastWriteMs = Date.now() - t0;
      if (this.failing) this.log(`state file ${this.file} written again`);
      this.failing = false;
    } catch (e) {
      if (!this.failing) this.log(`cannot write state file ${this.file}: ${(e as Error).message}; retrying`);
      this.failing = true;
      this.save(SAVE_RETRY_MS);
    }
  }

  /** Drops the oldest finished operations beyond MAX_DONE_OPERATIONS (Map order is start order). */
  private pruneOperations(): void {
    let done = 0;
    for (const o of this.operations.values()) if (o.status === 'DONE') done++;
    for (const [name, o] of this.operations) {
      if (done <= MAX_DONE_OPERATIONS) break;
      if (o.status !== 'DONE') continue;
      this.operations.delete(name);
      done--;
    }
  }

  private mutable(k: ClusterKey): MutableCluster {
    const c = this.clusters.get(clusterId(k));
    if (!c) throw notFound(`Not found: ${clusterPath(k)}.`);
    return c;
  }

  // Transitions run from operation callbacks too, where a throw would go unhandled: on a record
  // that is gone (a reset), they change nothing.

  private change(k: ClusterKey, fn: (c: MutableCluster) => void): void {
    const c = this.clusters.get(clusterId(k));
    if (c) fn(c);
    this.save();
  }

  private changePool(k: PoolKey, fn: (p: Mutable<PoolRecord>) => void): void {
    this.change(k, (c) => {
      const p = c.pools.find((x) => x.name === k.pool);
      if (p) fn(p);
    });
  }

  private changeOp(name: string, fn: (o: MutableOperation) => void): void {
    const o = this.operations.get(name);
    if (o) fn(o);
    this.save();
  }

  private setStatus(k: ClusterKey, s: ClusterStatus): void {
    this.change(k, (c) => (c.status = s));
  }
}
