/**
 * checkHealth: one look at an environment's resources for the workflow's drift check — the
 * cluster's status and node pools from the GKE API, and where a control plane answers, Ready
 * nodes, the Deployment's available replicas and the Service's external IP. It reports facts
 * and never fails for what it finds (a missing cluster is `MISSING`); only GKE API errors
 * (unreachable, permission) fail it. sweepHealth: the same look at many environments of one
 * project and location at once, for the fleet health sweep (one ListClusters for all of them).
 */
import { status as Code } from '@grpc/grpc-js';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeLib } from '../clients/kube-lib';
import type { Cluster, GkeClient } from '../clients/gke';
import { clusterNameOf } from './gke';
import { gkeError, grpcCode } from '../clients/gke-errors';
import { clusterStatus, enumName } from './gke-operations';
import { kubeStatus } from '../clients/kube-errors';
import type { EnvRef } from '../contract/environment-id';
import type { HealthCheckInput, HealthReport } from '../contract/cluster-io';
import type { SweepHealthInput, SweepHealthResult } from '../contract/fleet-health';
import { locationName } from '../gke/resource-names';

export interface HealthDeps {
  gke: GkeClient;
  kubeFor: (env: EnvRef) => Promise<KubeConfig>;
  /** Environments the sweep reads at once. Default 8. */
  sweepConcurrency?: number;
}

const POOL_STATUS = [
  'STATUS_UNSPECIFIED',
  'PROVISIONING',
  'RUNNING',
  'RUNNING_WITH_ERROR',
  'RECONCILING',
  'STOPPING',
  'ERROR',
];

type KubeSide = NonNullable<HealthReport['kube']>;
type Workload = Pick<HealthCheckInput, 'namespace' | 'deployment' | 'service'>;

/** How many nodes of the cluster are Ready (one read per cluster, shared by its environments). */
async function readyNodes(kc: KubeConfig): Promise<number> {
  const nodes = await kc.makeApiClient((await kubeLib()).CoreV1Api).listNode();
  return nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
}

/** The environment's Deployment and Service, as the report shows them (undefined for a missing object). */
async function workloadSide(kc: KubeConfig, input: Workload): Promise<Omit<KubeSide, 'nodesReady'>> {
  const core = kc.makeApiClient((await kubeLib()).CoreV1Api);
  const apps = kc.makeApiClient((await kubeLib()).AppsV1Api);
  const orMissing = <T>(p: Promise<T>): Promise<T | undefined> =>
    p.catch((e: unknown) => {
      if (kubeStatus(e) === 404) return undefined;
      throw e;
    });
  const [d, s] = await Promise.all([
    input.deployment
      ? orMissing(apps.readNamespacedDeployment({ namespace: input.namespace, name: input.deployment }))
      : undefined,
    orMissing(core.readNamespacedService({ namespace: input.namespace, name: input.service })),
  ]);
  const ingress = s?.status?.loadBalancer?.ingress?.[0];
  const serviceIp = ingress?.ip ?? ingress?.hostname;
  return {
    ...(d
      ? { deployment: { replicas: d.spec?.replicas ?? 0, availableReplicas: d.status?.availableReplicas ?? 0 } }
      : {}),
    ...(serviceIp ? { serviceIp } : {}),
    serviceExists: s !== undefined,
  };
}

/** The GKE side of a report: the cluster's status and its node pools. */
function gkeSide(cluster: Cluster): HealthReport {
  return {
    cluster: clusterStatus(cluster.status),
    pools: (cluster.nodePools ?? []).map((p) => ({
      name: p.name ?? '',
      nodeCount: p.initialNodeCount ?? 0,
      status: enumName(p.status, POOL_STATUS),
    })),
  };
}

/** Why the Kubernetes side was not read: a control plane that does not answer is not drift of our resources. */
const unchecked = (e: unknown) => `Kubernetes API: ${(e as Error).message.split('\n')[0] ?? 'error'}`;

/** Runs fn over items, at most `limit` at a time. */
async function inBatches<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  });
  await Promise.all(lanes);
}

/** Builds the health activity. */
export function healthActivities(deps: HealthDeps) {
  return {
    /** Looks at the environment's resources once and reports what it saw. */
    async checkHealth(input: HealthCheckInput): Promise<HealthReport> {
      const name = clusterNameOf(input.env);
      let cluster;
      try {
        cluster = await deps.gke.getCluster(name);
      } catch (e) {
        if (grpcCode(e) === Code.NOT_FOUND) return { cluster: 'MISSING', pools: [] };
        throw gkeError(e, { cluster: name, step: 'health check' });
      }
      const report = gkeSide(cluster);
      if (!cluster.endpoint) return { ...report, kubeUnchecked: 'the cluster has no endpoint' };
      try {
        const kc = await deps.kubeFor(input.env);
        const [nodesReady, workload] = await Promise.all([readyNodes(kc), workloadSide(kc, input)]);
        return { ...report, kube: { nodesReady, ...workload } };
      } catch (e) {
        return { ...report, kubeUnchecked: unchecked(e) };
      }
    },

    /**
     * The fleet sweep's one look at many environments of one project and location: ListClusters
     * once, then per environment whose cluster is listed with an endpoint, its Deployment and
     * Service (and each cluster's Ready nodes once: namespace environments share a cluster).
     * A cluster not listed is `MISSING`; a control plane that does not answer leaves its
     * environments `kubeUnchecked`. Only the GKE list failing fails it.
     */
    async sweepHealth(input: SweepHealthInput): Promise<SweepHealthResult> {
      const parent = locationName(input.project, input.location);
      const clusters = await deps.gke.listClusters(parent).catch((e: unknown) => {
        throw gkeError(e, { cluster: parent, step: 'health sweep' });
      });
      const byName = new Map(clusters.map((c) => [c.name ?? '', c]));
      const perCluster = new Map<string, Promise<{ kc: KubeConfig; nodesReady: number }>>();
      const reports: Record<string, HealthReport> = {};
      await inBatches(input.targets, deps.sweepConcurrency ?? 8, async (t) => {
        const cluster = byName.get(t.env.cluster);
        if (!cluster) {
          reports[t.env.id] = { cluster: 'MISSING', pools: [] };
          return;
        }
        const report = gkeSide(cluster);
        if (!cluster.endpoint) {
          reports[t.env.id] = { ...report, kubeUnchecked: 'the cluster has no endpoint' };
          return;
        }
        let shared = perCluster.get(t.env.cluster);
        if (!shared) {
          shared = deps.kubeFor(t.env).then(async (kc) => ({ kc, nodesReady: await readyNodes(kc) }));
          perCluster.set(t.env.cluster, shared);
        }
        try {
          const { kc, nodesReady } = await shared;
          reports[t.env.id] = { ...report, kube: { nodesReady, ...(await workloadSide(kc, t)) } };
        } catch (e) {
          reports[t.env.id] = { ...report, kubeUnchecked: unchecked(e) };
        }
      });
      return { reports, clustersListed: clusters.length };
    },
  };
}
