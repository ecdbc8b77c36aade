/**
 * Simulated nodes of a kwok cluster: plain Node objects that the cluster's kwok controller
 * adopts (annotation `kwok.x-k8s.io/node: fake`) and keeps Ready, with the labels GKE puts on
 * its nodes. Taints only where GKE puts them (the pool's own, GPU nodes'), so ordinary
 * Deployments schedule on them as they would on GKE.
 */
import { ApiException, CoreV1Api, type KubeConfig, type V1Node, type V1Taint } from '@kubernetes/client-node';

/** The label GKE puts on every node with the name of its node pool. */
export const GKE_NODEPOOL_LABEL = 'cloud.google.com/gke-nodepool';

/** One simulated node. */
export interface KwokNodeSpec {
  name: string;
  /** Extra labels, e.g. `{[GKE_NODEPOOL_LABEL]: 'default-pool'}`. */
  labels?: Record<string, string>;
  /** What the node reports as capacity (and allocatable); default 2 CPUs, 4Gi, 110 pods. */
  capacity?: { cpu?: string; memory?: string; pods?: string; 'nvidia.com/gpu'?: string };
  /** Node taints (Kubernetes spelling: NoSchedule, PreferNoSchedule, NoExecute). */
  taints?: V1Taint[];
}

/** The Node object for a simulated node. */
export function kwokNodeManifest(n: KwokNodeSpec): V1Node {
  const capacity = { cpu: '2', memory: '4Gi', pods: '110', ...n.capacity };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      labels: {
        'kubernetes.io/hostname': n.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
        ...n.labels,
      },
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: n.taints?.length ? { taints: n.taints } : {},
    status: { capacity, allocatable: capacity },
  };
}

const isStatus = (e: unknown, code: number) => e instanceof ApiException && e.code === code;

/** Creates the nodes; a node that already exists counts as created (idempotent). */
export async function addKwokNodes(kc: KubeConfig, nodes: KwokNodeSpec[]): Promise<void> {
  const api = kc.makeApiClient(CoreV1Api);
  await Promise.all(
    nodes.map((n) =>
      api.createNode({ body: kwokNodeManifest(n) }).catch((e: unknown) => {
        if (!isStatus(e, 409)) throw e;
      }),
    ),
  );
}

/** Deletes the nodes; a node already gone counts as deleted. Their pods are rescheduled by Kubernetes. */
export async function removeKwokNodes(kc: KubeConfig, names: string[]): Promise<void> {
  const api = kc.makeApiClient(CoreV1Api);
  await Promise.all(
    names.map((name) =>
      api.deleteNode({ name }).catch((e: unknown) => {
        if (!isStatus(e, 404)) throw e;
      }),
    ),
  );
}

/** Names of the nodes whose Ready condition is True. */
export async function readyKwokNodes(kc: KubeConfig, labelSelector?: string): Promise<string[]> {
  const list = await kc.makeApiClient(CoreV1Api).listNode({ labelSelector });
  return list.items
    .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((n) => n.metadata?.name ?? '');
}

/** Waits until every named node is Ready; throws with the ones still missing after timeoutMs. */
export async function waitForKwokNodesReady(kc: KubeConfig, names: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let missing = names;
  for (;;) {
    const ready = new Set(await readyKwokNodes(kc).catch(() => [] as string[]));
    missing = names.filter((n) => !ready.has(n));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`kwok nodes not Ready after ${timeoutMs} ms: ${missing.join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
