/**
 * What the lifecycle functions share: the store, the operations, the settings, the fault
 * injector, and the control-plane runtime of each cluster.
 */
import crypto from 'node:crypto';
import { scaled, type Settings } from '../settings';
import { machineShape, regionOf } from '../../gke/rules';
import { failedPrecondition, permissionDenied, resourceExhausted } from '../errors';
import type { FaultInjector } from '../faults';
import type { Operations } from './operations';
import type { ControlPlaneRuntime } from '../runtime';
import type { ClusterRecord, EmulatorStore, PoolRecord } from '../store/store';

/** The emulator's shared state and services, passed to every lifecycle function. */
export interface Core {
  store: EmulatorStore;
  ops: Operations;
  /** Frozen; replaced as a whole when the admin endpoint changes it. */
  settings: Settings;
  faults: FaultInjector;
  runtimes: { kwok: ControlPlaneRuntime; none: ControlPlaneRuntime };
  log: (line: string) => void;
}

/** Resource label that picks a cluster's control plane regardless of the emulator's default. */
export const CONTROL_PLANE_LABEL = 'emulator-control-plane';

/** The control-plane runtime of a cluster ('kwok' or 'none', fixed at creation). */
export const runtimeOf = (core: Core, c: ClusterRecord) => core.runtimes[c.controlPlane];

/** GKE's label fingerprint: a hash of the sorted labels. */
export function labelFingerprint(labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return crypto.createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

/** Refuses changes to a cluster that is not RUNNING (or is busy with another operation). */
export function assertChangeable(core: Core, c: ClusterRecord): void {
  core.ops.assertIdle(c);
  if (c.status !== 'RUNNING') throw failedPrecondition(`Cluster ${c.cluster} is ${c.status} and cannot be updated.`);
}

/** What a request adds to a project's usage: clusters, nodes (all zones), their vCPUs and boot disks. */
export interface QuotaDemand {
  clusters?: number;
  nodes?: number;
  cpus?: number;
  diskGb?: number;
}

/** What `nodeCount` more nodes per zone of a pool need (a regional pool counts each zone). */
export function poolDemand(
  p: Pick<PoolRecord, 'nodeCount' | 'locations' | 'machineType' | 'diskSizeGb'>,
  nodeCount = p.nodeCount,
): QuotaDemand {
  const nodes = nodeCount * p.locations.length;
  return { nodes, cpus: nodes * machineShape(p.machineType).cpus, diskGb: nodes * p.diskSizeGb };
}

/** The sum of demands. */
export const totalDemand = (ds: QuotaDemand[]): QuotaDemand =>
  ds.reduce<QuotaDemand>(
    (a, d) => ({
      clusters: (a.clusters ?? 0) + (d.clusters ?? 0),
      nodes: (a.nodes ?? 0) + (d.nodes ?? 0),
      cpus: (a.cpus ?? 0) + (d.cpus ?? 0),
      diskGb: (a.diskGb ?? 0) + (d.diskGb ?? 0),
    }),
    {},
  );

const f1 = (n: number) => n.toFixed(1);

/**
 * Refuses a request the project's quota cannot hold, as GKE does: a Compute Engine shortfall
 * (nodes as INSTANCES, their vCPUs as CPUS, their pd-balanced boot disks as SSD_TOTAL_GB, per
 * region) is PERMISSION_DENIED "Insufficient regional quota to satisfy request" (GKE's wording,
 * not RESOURCE_EXHAUSTED); the cluster count is GKE's own limit (RESOURCE_EXHAUSTED).
 */
export function assertQuota(core: Core, at: { project: string; location: string }, add: QuotaDemand): void {
  const { project } = at;
  const region = regionOf(at.location);
  const q = core.settings.quotas;
  const used = core.store.usage(project);
  if (add.clusters && used.clusters + add.clusters > q.clustersPerProject) {
    throw resourceExhausted(
      `Insufficient quota to satisfy the request: clusters per project: limit ${q.clustersPerProject}, in use ${used.clusters}.`,
    );
  }
  const inRegion = totalDemand(
    core.store
      .listClusters(project, '-')
      .filter((c) => regionOf(c.location) === region)
      .flatMap((c) => c.pools.map((p) => poolDemand(p))),
  );
  const checks: Array<[string, number, number, number]> = [
    ['INSTANCES', add.nodes ?? 0, used.nodes, q.nodesPerProject],
    ['CPUS', add.cpus ?? 0, inRegion.cpus ?? 0, q.cpusPerRegion],
    ['SSD_TOTAL_GB', add.diskGb ?? 0, inRegion.diskGb ?? 0, q.ssdGbPerRegion],
  ];
  for (const [resource, want, inUse, limit] of checks) {
    if (want <= 0 || inUse + want <= limit) continue;
    const available = Math.max(0, limit - inUse);
    throw permissionDenied(
      `Insufficient regional quota to satisfy request: resource "${resource}": request requires '${f1(want)}' and is short '${f1(want - available)}'. project has a quota of '${f1(limit)}' with '${f1(available)}' available. View and manage quotas at https://console.cloud.google.com/iam-admin/quotas?usage=USED&project=${project}.`,
    );
  }
}

/** LoadBalancer timings for a new kwok cluster at the current delays and speed. */
export const lbTimings = (core: Core) => ({
  provisionMs: scaled(core.settings, 'lbProvision'),
  releaseMs: scaled(core.settings, 'lbRelease'),
});
