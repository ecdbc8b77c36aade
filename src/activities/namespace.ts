/**
 * A namespace environment's own namespace on a cluster gkeflow did not create: made and
 * relabelled (owner, expiry) with its ResourceQuota, and deleted — every load balancer in it
 * released first (LoadBalancer Services, Ingresses, Gateways, waiting out their finalizers), so
 * nothing billed outlives it. Fails closed: a namespace without this environment's gkeflow-env
 * label is never adopted, relabelled or deleted. The cluster itself is never touched.
 */
import type { KubeConfig, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { kubeLib, SERVER_SIDE_APPLY } from '../clients/kube-lib';
import { kubeError, kubeStatus } from '../clients/kube-errors';
import { NameTakenError, ResourceNotFoundError, TeardownRefusedError } from '../contract/activity-errors';
import type { EnvRef } from '../contract/environment-id';
import { belongsTo, managedLabels } from '../contract/labels';
import type {
  DeleteNamespaceInput,
  DeleteNamespaceResult,
  EnsureNamespaceInput,
  EnsureNamespaceResult,
} from '../contract/namespace-io';
import { holdsLoadBalancer } from './app-delete';
import { describeObject, pollUntil } from './app-kube';

/**
 * The field manager of the namespace's labels and quota. Not `gkeflow`: applyDeployment applies
 * the namespace under that manager with fewer labels, and server-side apply would then drop the
 * owner and expiry this manager set.
 */
export const NAMESPACE_FIELD_MANAGER = 'gkeflow-namespace';
/** The name of the environment's ResourceQuota in its namespace. */
export const QUOTA_NAME = 'gkeflow-quota';

export interface NamespaceActivityDeps {
  kubeFor: (env: EnvRef) => Promise<KubeConfig>;
  deleteTimeoutMs?: number;
  pollMs?: number;
}

/** What may hold a cloud load balancer in a namespace: kinds listed, by apiVersion (a kind not served is skipped). */
const LOAD_BALANCER_KINDS = [
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway' },
] as const;

export function namespaceActivities(deps: NamespaceActivityDeps) {
  const timeoutMs = deps.deleteTimeoutMs ?? 10 * 60_000;
  const pollMs = deps.pollMs ?? 500;
  const nsRef = (name: string): KubernetesObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

  const read = (api: KubernetesObjectApi, o: KubernetesObject) =>
    api.read(o as Parameters<typeof api.read>[0]).catch((e: unknown) => {
      if (kubeStatus(e) === 404) return undefined;
      throw kubeError(e, { kind: o.kind, namespace: o.metadata?.namespace, name: o.metadata?.name });
    });
  const apply = (api: KubernetesObjectApi, o: KubernetesObject) =>
    api.patch(o, undefined, undefined, NAMESPACE_FIELD_MANAGER, true, SERVER_SIDE_APPLY).catch((e: unknown) => {
      throw kubeError(e, { kind: o.kind, namespace: o.metadata?.namespace, name: o.metadata?.name });
    });

  /** The load balancers in the namespace now (deleted or not). */
  async function loadBalancers(api: KubernetesObjectApi, namespace: string): Promise<KubernetesObject[]> {
    const out: KubernetesObject[] = [];
    const discover = (api as unknown as { resource(v: string, k: string): Promise<unknown> }).resource;
    for (const { apiVersion, kind } of LOAD_BALANCER_KINDS) {
      // A kind the cluster does not serve (no Gateway API installed) holds nothing.
      const served = await discover.call(api, apiVersion, kind).catch((e: unknown) => {
        if (kubeStatus(e) === 404) return undefined;
        throw kubeError(e, { kind, namespace, step: `discover ${kind}` });
      });
      if (!served) continue;
      const list = await api.list(apiVersion, kind, namespace).catch((e: unknown) => {
        throw kubeError(e, { kind, namespace, step: `list ${kind}s` });
      });
      out.push(...list.items.map((o) => ({ ...o, apiVersion, kind })).filter(holdsLoadBalancer));
    }
    return out;
  }

  return {
    /** Creates (or relabels) the environment's namespace and its ResourceQuota; refuses someone else's namespace. */
    async ensureNamespace(input: EnsureNamespaceInput): Promise<EnsureNamespaceResult> {
      const api = (await kubeLib()).KubernetesObjectApi.makeApiClient(await deps.kubeFor(input.env));
      const live = await read(api, nsRef(input.namespace));
      if (live && !belongsTo(input.env, live.metadata?.labels))
        throw new NameTakenError(
          `namespace ${input.namespace} exists on cluster ${input.env.cluster} without this environment's gkeflow-env label; choose another cluster.namespace`,
          { cluster: input.env.cluster, namespace: input.namespace },
        );
      await apply(api, {
        ...nsRef(input.namespace),
        metadata: { name: input.namespace, labels: managedLabels(input.env, input.labels) },
      });
      if (input.quota)
        await apply(api, {
          apiVersion: 'v1',
          kind: 'ResourceQuota',
          metadata: { name: QUOTA_NAME, namespace: input.namespace, labels: managedLabels(input.env, input.labels) },
          spec: { hard: input.quota },
        } as KubernetesObject);
      return { created: !live };
    },

    /**
     * Releases every load balancer in the namespace (deletes and waits until their finalizers let
     * them go), then deletes the namespace and waits until it is gone. No cluster or no namespace
     * ⇒ `{deleted: false}`; a namespace not this environment's ⇒ TeardownRefusedError, nothing deleted.
     */
    async deleteNamespace(input: DeleteNamespaceInput): Promise<DeleteNamespaceResult> {
      const kc = await deps.kubeFor(input.env).catch((e: unknown) => {
        if (e instanceof ResourceNotFoundError && e.context.cluster) return undefined;
        throw e;
      });
      if (!kc) return { deleted: false, released: [] };
      const api = (await kubeLib()).KubernetesObjectApi.makeApiClient(kc);
      const ns = nsRef(input.namespace);
      const live = await read(api, ns);
      if (!live) return { deleted: false, released: [] };
      if (!belongsTo(input.env, live.metadata?.labels))
        throw new TeardownRefusedError(
          `namespace ${input.namespace} on cluster ${input.env.cluster} is not this environment's (its gkeflow-env label); nothing deleted`,
          { cluster: input.env.cluster, namespace: input.namespace },
        );
      const released = new Set<string>();
      await pollUntil(
        `release load balancers in ${input.namespace}`,
        async () => {
          const left = await loadBalancers(api, input.namespace);
          for (const o of left) {
            released.add(describeObject(o));
            if (o.metadata?.deletionTimestamp) continue;
            await api.delete(o, undefined, undefined, undefined, undefined, 'Background').catch((e: unknown) => {
              if (kubeStatus(e) !== 404)
                throw kubeError(e, { kind: o.kind, namespace: input.namespace, name: o.metadata?.name });
            });
          }
          return {
            done: left.length === 0,
            progress: {
              left: left.slice(0, 10).map((o) => `${describeObject(o)} [${(o.metadata?.finalizers ?? []).join(',')}]`),
            },
          };
        },
        timeoutMs,
        pollMs,
      );
      await api.delete(ns, undefined, undefined, undefined, undefined, 'Background').catch((e: unknown) => {
        if (kubeStatus(e) !== 404) throw kubeError(e, { kind: 'Namespace', name: input.namespace });
      });
      await pollUntil(
        `delete namespace ${input.namespace}`,
        async () => {
          const o = await read(api, ns);
          return {
            done: !o,
            progress: { phase: (o as { status?: { phase?: string } } | undefined)?.status?.phase ?? 'gone' },
          };
        },
        timeoutMs,
        pollMs,
      );
      return { deleted: true, released: [...released].sort() };
    },
  };
}
