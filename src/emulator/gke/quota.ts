/**
 * Project quotas as GKE and Compute Engine check them: what a request demands (clusters, nodes,
 * vCPUs, boot disks) against the limits in the settings and what the project already uses.
 */
import { acceleratorTypeOf } from '../../gke/machine-types';
import { machineShape, regionOf } from '../../gke/rules';
import { permissionDenied, resourceExhausted } from '../errors';
import type { PoolRecord } from '../store/store';
import type { Core } from './context';

/** What a request adds to a project's usage: clusters, nodes (all zones), their vCPUs and boot disks. */
export interface QuotaDemand {
  clusters?: number;
  nodes?: number;
  cpus?: number;
  diskGb?: number;
  /** GPUs by quota metric (NVIDIA_L4_GPUS …). */
  gpus?: Record<string, number>;
}

/** What `nodeCount` more nodes per zone of a pool need (a regional pool counts each zone). */
export function poolDemand(
  p: Pick<PoolRecord, 'nodeCount' | 'locations' | 'machineType' | 'diskSizeGb' | 'accelerators'>,
  nodeCount = p.nodeCount,
): QuotaDemand {
  const nodes = nodeCount * p.locations.length;
  const gpus: Record<string, number> = {};
  for (const a of p.accelerators ?? []) {
    const metric = acceleratorTypeOf(a.type)?.quotaMetric ?? a.type;
    gpus[metric] = (gpus[metric] ?? 0) + nodes * a.count;
  }
  return { nodes, cpus: nodes * machineShape(p.machineType).cpus, diskGb: nodes * p.diskSizeGb, gpus };
}

const addGpus = (a: Record<string, number> = {}, b: Record<string, number> = {}) => {
  const sum = { ...a };
  for (const [k, v] of Object.entries(b)) sum[k] = (sum[k] ?? 0) + v;
  return sum;
};

/** The sum of demands. */
export const totalDemand = (ds: QuotaDemand[]): QuotaDemand =>
  ds.reduce<QuotaDemand>(
    (a, d) => ({
      clusters: (a.clusters ?? 0) + (d.clusters ?? 0),
      nodes: (a.nodes ?? 0) + (d.nodes ?? 0),
      cpus: (a.cpus ?? 0) + (d.cpus ?? 0),
      diskGb: (a.diskGb ?? 0) + (d.diskGb ?? 0),
      gpus: addGpus(a.gpus, d.gpus),
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
    ...Object.entries(add.gpus ?? {}).map(([metric, want]): [string, number, number, number] => [
      metric,
      want,
      inRegion.gpus?.[metric] ?? 0,
      q.gpusPerRegion,
    ]),
  ];
  for (const [resource, want, inUse, limit] of checks) {
    if (want <= 0 || inUse + want <= limit) continue;
    const available = Math.max(0, limit - inUse);
    throw permissionDenied(
      `Insufficient regional quota to satisfy request: resource "${resource}": request requires '${f1(want)}' and is short '${f1(want - available)}'. project has a quota of '${f1(limit)}' with '${f1(available)}' available. View and manage quotas at https://console.cloud.google.com/iam-admin/quotas?usage=USED&project=${project}.`,
    );
  }
}
