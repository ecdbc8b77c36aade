/**
 * The emulator's state: clusters with their node pools, operations, and leaked load balancers,
 * kept in memory and persisted as one JSON file in the state dir (written atomically, coalesced
 * per tick), so a restarted emulator finds its clusters again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { notFound } from './errors';
import { clusterId, clusterPath, type ClusterKey } from './names';

/** Cluster.Status values the emulator uses. */
export type ClusterStatus = 'PROVISIONING' | 'RUNNING' | 'RECONCILING' | 'STOPPING' | 'ERROR' | 'DEGRADED';
/** NodePool.Status values the emulator uses. */
export type PoolStatus = 'PROVISIONING' | 'RUNNING' | 'RECONCILING' | 'STOPPING' | 'ERROR';

/** A pool's autoscaling bounds (per zone). */
export interface Autoscaling {
  enabled: boolean;
  minNodeCount: number;
  maxNodeCount: number;
  autoprovisioned?: boolean;
}

/** A stored node pool. */
export interface PoolRecord {
  name: string;
  machineType: string;
  diskSizeGb: number;
  imageType: string;
  /** Kubernetes labels GKE puts on the pool's nodes (NodeConfig.labels). */
  labels: Record<string, string>;
  /** Nodes per zone, as GKE counts them. */
  nodeCount: number;
  /** Zones the pool's nodes run in: total nodes = nodeCount × locations.length. */
  locations: string[];
  autoscaling?: Autoscaling;
  status: PoolStatus;
  statusMessage?: string;
  version: string;
  createTime: string;
}

/** How clients reach the cluster's Kubernetes API; empty for clusters without a control plane. */
export interface ControlPlaneAccess {
  /** `127.0.0.1:<port>` (GKE gives a bare IP; the port is part of it here). */
  endpoint: string;
  caData: string;
  clientCertData: string;
  clientKeyData: string;
  /** The kwok cluster behind it, if any. */
  kwokName?: string;
}

/** A stored cluster: GKE metadata plus how to reach its control plane. */
export interface ClusterRecord extends ClusterKey {
  id: string;
  description: string;
  createTime: string;
  status: ClusterStatus;
  statusMessage: string;
  resourceLabels: Record<string, string>;
  labelFingerprint: string;
  locations: string[];
  pools: PoolRecord[];
  autopilot: boolean;
  releaseChannel: string;
  masterVersion: string;
  loggingService: string;
  monitoringService: string;
  network: string;
  subnetwork: string;
  clusterIpv4Cidr: string;
  servicesIpv4Cidr: string;
  controlPlane: 'kwok' | 'none';
  access?: ControlPlaneAccess;
}

/** Operation.Status values. */
export type OperationStatus = 'PENDING' | 'RUNNING' | 'DONE' | 'ABORTING';

/** A stored long-running operation. */
export interface OperationRecord {
  name: string;
  project: string;
  location: string;
  operationType: string;
  status: OperationStatus;
  detail: string;
  targetLink: string;
  selfLink: string;
  startTime: string;
  endTime?: string;
  /** 0–100 */
  percent: number;
  stage: string;
  error?: { code: number; message: string };
  /** `project/location/cluster` of the cluster it works on. */
  clusterId: string;
}

/** A load balancer left behind when its cluster was deleted (GKE leaks the forwarding rule too). */
export interface LeakedLoadBalancer {
  /** Forwarding-rule name as GKE makes it: `a` + the Service uid without dashes, 32 chars. */
  forwardingRule: string;
  project: string;
  location: string;
  cluster: string;
  namespace: string;
  service: string;
  ip?: string;
  leakedAt: string;
}

interface State {
  version: 1;
  clusters: ClusterRecord[];
  operations: OperationRecord[];
  leaks: LeakedLoadBalancer[];
}

/** Thrown by the store when the state file exists but cannot be read as emulator state. */
export class EmulatorStateError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file} is not readable emulator state (${detail}); move it away to start empty`);
    this.name = 'EmulatorStateError';
  }
}

/** In-memory state with JSON persistence. Methods return live records: mutate, then call save(). */
export class EmulatorStore {
  private clusters = new Map<string, ClusterRecord>();
  private operations = new Map<string, OperationRecord>();
  leaks: LeakedLoadBalancer[] = [];
  private pending: NodeJS.Immediate | undefined;
  readonly file: string;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'emulator.json');
    fs.mkdirSync(stateDir, { recursive: true });
    if (fs.existsSync(this.file)) {
      let s: State;
      try {
        s = JSON.parse(fs.readFileSync(this.file, 'utf8')) as State;
        if (s.version !== 1 || !Array.isArray(s.clusters) || !Array.isArray(s.operations)) throw new Error('unknown layout');
      } catch (e) {
        throw new EmulatorStateError(this.file, (e as Error).message);
      }
      for (const c of s.clusters) this.clusters.set(clusterId(c), c);
      for (const o of s.operations) this.operations.set(o.name, o);
      this.leaks = s.leaks ?? [];
    }
  }

  /** The cluster, or NOT_FOUND as GKE words it. */
  cluster(k: ClusterKey): ClusterRecord {
    const c = this.clusters.get(clusterId(k));
    if (!c) throw notFound(`Not found: ${clusterPath(k)}.`);
    return c;
  }

  findCluster(k: ClusterKey): ClusterRecord | undefined {
    return this.clusters.get(clusterId(k));
  }

  /** Clusters of a project in one location, or in all with `-`. */
  listClusters(project: string, location: string): ClusterRecord[] {
    return [...this.clusters.values()].filter((c) => c.project === project && (location === '-' || c.location === location));
  }

  allClusters(): ClusterRecord[] {
    return [...this.clusters.values()];
  }

  putCluster(c: ClusterRecord): void {
    this.clusters.set(clusterId(c), c);
    this.save();
  }

  removeCluster(k: ClusterKey): void {
    this.clusters.delete(clusterId(k));
    this.save();
  }

  operation(project: string, location: string, name: string): OperationRecord {
    const o = this.operations.get(name);
    if (!o || o.project !== project || (location !== '-' && o.location !== location)) throw notFound(`Not found: projects/${project}/locations/${location}/operations/${name}.`);
    return o;
  }

  listOperations(project: string, location: string): OperationRecord[] {
    return [...this.operations.values()].filter((o) => o.project === project && (location === '-' || o.location === location));
  }

  allOperations(): OperationRecord[] {
    return [...this.operations.values()];
  }

  putOperation(o: OperationRecord): void {
    this.operations.set(o.name, o);
    this.save();
  }

  /** Nodes and clusters a project uses now, for quota checks. */
  usage(project: string): { clusters: number; nodes: number } {
    const mine = [...this.clusters.values()].filter((c) => c.project === project);
    const nodes = mine.flatMap((c) => c.pools).reduce((n, p) => n + p.nodeCount * p.locations.length, 0);
    return { clusters: mine.length, nodes };
  }

  /** Forgets everything (admin reset). */
  clear(): void {
    this.clusters.clear();
    this.operations.clear();
    this.leaks = [];
    this.save();
  }

  /** Schedules a write at the end of this tick; many changes in one tick cost one write. */
  save(): void {
    this.pending ??= setImmediate(() => this.flush());
  }

  /** Writes the state now (atomically: temp file, then rename). */
  flush(): void {
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
    const state: State = { version: 1, clusters: [...this.clusters.values()], operations: [...this.operations.values()], leaks: this.leaks };
    const tmp = `${this.file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(state, null, 1));
    fs.renameSync(tmp, this.file);
  }
}
