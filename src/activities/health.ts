/**
 * checkHealth: one look at an environment's resources for the workflow's drift check — the
 * cluster's status and node pools from the GKE API, and where a control plane answers, Ready
 * nodes, the Deployment's available replicas and the Service's external IP. It reports facts
 * and never fails for what it finds (a missing cluster is `MISSING`); only GKE API errors
 * (unreachable, permission) fail it.
 */
import { status as Code } from '@grpc/grpc-js';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { GkeClient } from '../clients/gke';
import { clusterNameOf } from './gke';
import { gkeError, grpcCode } from '../clients/gke-errors';
import { clusterStatus, enumName } from './gke-operations';
import { kubeStatus } from '../clients/kube-errors';
import type { EnvRef } from '../contract/environment-id';
import type { HealthCheckInput, HealthReport } from '../contract/cluster-io';

export interface HealthDeps {
  gke: GkeClient;
  kubeFor: (env: EnvRef) => Promise<KubeConfig>;
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

/** The Kubernetes side of the report, or undefined for a missing object. */
async function kubeSide(kc: KubeConfig, input: HealthCheckInput): Promise<NonNullable<HealthReport['kube']>> {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const orMissing = <T>(p: Promise<T>): Promise<T | undefined> =>
    p.catch((e: unknown) => {
      if (kubeStatus(e) === 404) return undefined;
      throw e;
    });
  const [nodes, d, s] = await Promise.all([
    core.listNode(),
    input.deployment
      ? orMissing(apps.readNamespacedDeployment({ namespace: input.namespace, name: input.deployment }))
      : undefined,
    orMissing(core.readNamespacedService({ namespace: input.namespace, name: input.service })),
  ]);
  const nodesReady = nodes.items.filter((n) =>
    n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
  const ingress = s?.status?.loadBalancer?.ingress?.[0];
  const serviceIp = ingress?.ip ?? ingress?.hostname;
  return {
    nodesReady,
    ...(d
      ? { deployment: { replicas: d.spec?.replicas ?? 0, availableReplicas: d.status?.availableReplicas ?? 0 } }
      : {}),
    ...(serviceIp ? { serviceIp } : {}),
    serviceExists: s !== undefined,
  };
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
      const report: HealthReport = {
        cluster: clusterStatus(cluster.status),
        pools: (cluster.nodePools ?? []).map((p) => ({
          name: p.name ?? '',
          nodeCount: p.initialNodeCount ?? 0,
          status: enumName(p.status, POOL_STATUS),
        })),
      };
      if (!cluster.endpoint) return { ...report, kubeUnchecked: 'the cluster has no endpoint' };
      try {
        return { ...report, kube: await kubeSide(await deps.kubeFor(input.env), input) };
      } catch (e) {
        // A control plane that does not answer is not drift of our resources: say why and move on.
        return { ...report, kubeUnchecked: `Kubernetes API: ${(e as Error).message.split('\n')[0] ?? 'error'}` };
      }
    },
  };
}
