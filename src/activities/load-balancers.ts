/**
 * Releasing a cluster's load balancers before the cluster is deleted. GKE does not release the
 * forwarding rule, IP and firewall rules of a `type: LoadBalancer` Service when its cluster is
 * deleted: they stay billed with nobody left to delete them. So every such Service of the cluster
 * (all namespaces, gkeflow's or anyone's) is deleted and waited for until the cloud controller's
 * cleanup finalizer lets it go; only then may DeleteCluster run. Fails closed: when the
 * Kubernetes API of a cluster that has one cannot be asked, the cluster is not deleted.
 */
import type { KubeConfig, V1Service } from '@kubernetes/client-node';
import { kubeLib } from '../clients/kube-lib';
import type { Cluster } from '../clients/gke';
import { kubeError, kubeStatus } from '../clients/kube-errors';
import { OperationTimeoutError } from '../contract/activity-errors';
import { heartbeat, pause } from './progress';

export interface ReleaseOptions {
  /** A fresh KubeConfig of the cluster for each round (GKE tokens are short-lived). */
  kubeConfig: () => Promise<KubeConfig>;
  /** Full cluster name, for errors and heartbeats. */
  cluster: string;
  pollMs: number;
  timeoutMs: number;
}

/** What the release did: the Services (`namespace/name`) whose load balancers were released. */
export interface ReleaseResult {
  released: string[];
}

/**
 * Whether a cluster has a Kubernetes API that could hold a Service. GKE hands out the endpoint
 * with the cluster CA as soon as the control plane exists; a cluster without both has no control
 * plane yet (PROVISIONING) or none at all (the emulator's metadata-only clusters), so nothing in
 * it can own a load balancer.
 */
export function hasControlPlane(c: Cluster): boolean {
  return Boolean(c.endpoint && c.masterAuth?.clusterCaCertificate);
}

const idOf = (s: V1Service) => `${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`;

/** The cluster's LoadBalancer Services, in every namespace. */
async function loadBalancerServices(kc: KubeConfig, cluster: string): Promise<V1Service[]> {
  const all = await kc
    .makeApiClient((await kubeLib()).CoreV1Api)
    .listServiceForAllNamespaces()
    .catch((e: unknown) => {
      throw kubeError(e, { cluster, kind: 'Service', step: 'list LoadBalancer Services' });
    });
  return all.items.filter((s) => s.spec?.type === 'LoadBalancer');
}

/**
 * Deletes every LoadBalancer Service of the cluster and waits until all are gone (their
 * load-balancer-cleanup finalizer removed by the cloud controller, i.e. the LB released).
 * Idempotent: a retry deletes what is left and waits again. Heartbeats each round.
 */
export async function releaseLoadBalancers(o: ReleaseOptions): Promise<ReleaseResult> {
  const deadline = Date.now() + o.timeoutMs;
  const released = new Set<string>();
  const step = `release load balancers of ${o.cluster}`;
  for (let polls = 1; ; polls++) {
    const kc = await o.kubeConfig();
    const left = await loadBalancerServices(kc, o.cluster);
    if (!left.length) return { released: [...released].sort() };
    const core = kc.makeApiClient((await kubeLib()).CoreV1Api);
    for (const s of left) {
      released.add(idOf(s));
      if (s.metadata?.deletionTimestamp) continue;
      const namespace = s.metadata?.namespace ?? 'default';
      const name = s.metadata?.name ?? '';
      await core.deleteNamespacedService({ namespace, name, propagationPolicy: 'Background' }).catch((e: unknown) => {
        if (kubeStatus(e) === 404) return;
        throw kubeError(e, { cluster: o.cluster, kind: 'Service', namespace, name });
      });
    }
    heartbeat({ step, status: 'RELEASING_LOAD_BALANCERS', polls, left: left.map(idOf).sort() });
    if (Date.now() >= deadline)
      throw new OperationTimeoutError(
        `cluster ${o.cluster} kept: the load balancers of ${left.map(idOf).join(', ')} were not released in time ` +
          `(their Services still carry the cleanup finalizer); deleting the cluster now would leak them`,
        { cluster: o.cluster, step },
      );
    await pause(o.pollMs);
  }
}
