/**
 * The Kubernetes calls the app activities share: a generic object client with discovery (is a
 * kind namespaced, which version serves a group), server-side apply naming the file and object
 * on failure, listing an ApplySet's members, and polling waits that heartbeat.
 */
import type { KubeConfig, KubernetesObject, V1APIResource } from '@kubernetes/client-node';
import { kubeLib, SERVER_SIDE_APPLY } from '../clients/kube-lib';
import { kubeError, kubeStatus } from '../clients/kube-errors';
import { InvalidArgumentError, OperationTimeoutError, type ActivityError } from '../contract/activity-errors';
import { belongsTo } from '../contract/labels';
import type { EnvRef } from '../contract/environment-id';
import { APPLYSET, applysetId } from './applyset';
import { heartbeat, pause } from './progress';

export const FIELD_MANAGER = 'gkeflow';

/** `Kind ns/name` of an object, as results and messages name members. */
export const describeObject = (o: KubernetesObject) =>
  `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;

/** An object client over one KubeConfig, with the discovery apply and prune need. */
export async function objectClient(kc: KubeConfig) {
  const { ApisApi, KubernetesObjectApi } = await kubeLib();
  const api = KubernetesObjectApi.makeApiClient(kc);
  const discover = (api as unknown as { resource(v: string, k: string): Promise<V1APIResource | undefined> }).resource;
  let versions: Map<string, string> | undefined;

  /** Fills in the default namespace of a namespaced kind; a kind the cluster does not serve fails naming the object. */
  async function placed(o: KubernetesObject, namespace: string, source: string): Promise<KubernetesObject> {
    const r = await discover.call(api, o.apiVersion ?? 'v1', o.kind ?? '').catch((e: unknown) => {
      throw named(kubeError(e, { kind: o.kind }), source, o);
    });
    if (!r)
      throw named(
        new InvalidArgumentError(`the cluster does not serve ${o.apiVersion} ${o.kind}`, { kind: o.kind }),
        source,
        o,
      );
    if (!r.namespaced) {
      const { namespace: _dropped, ...metadata } = o.metadata ?? {};
      void _dropped;
      return { ...o, metadata };
    }
    return { ...o, metadata: { ...o.metadata, namespace: o.metadata?.namespace ?? namespace } };
  }

  /** Server-side apply (field manager gkeflow, forced: gkeflow owns what it applies); `dryRun` changes nothing. */
  async function apply<T extends KubernetesObject>(o: T, source: string, dryRun = false): Promise<T> {
    return api
      .patch(o, undefined, dryRun ? 'All' : undefined, FIELD_MANAGER, true, SERVER_SIDE_APPLY)
      .catch((e: unknown) => {
        throw named(
          kubeError(e, { kind: o.kind, namespace: o.metadata?.namespace, name: o.metadata?.name }),
          source,
          o,
        );
      });
  }

  /** The object as it is now, or undefined when it does not exist. */
  async function read(o: KubernetesObject): Promise<KubernetesObject | undefined> {
    return api.read(o as Parameters<typeof api.read>[0]).catch((e: unknown) => {
      if (kubeStatus(e) === 404) return undefined;
      throw kubeError(e, { kind: o.kind, namespace: o.metadata?.namespace, name: o.metadata?.name });
    });
  }

  /** Deletes (background propagation); false when it was already gone. */
  async function remove(o: KubernetesObject): Promise<boolean> {
    try {
      await api.delete(o, undefined, undefined, undefined, undefined, 'Background');
      return true;
    } catch (e) {
      if (kubeStatus(e) === 404) return false;
      throw kubeError(e, { kind: o.kind, namespace: o.metadata?.namespace, name: o.metadata?.name });
    }
  }

  /** The apiVersion serving a group-kind (`Deployment.apps` → `apps/v1`), or undefined when no longer served. */
  async function apiVersionOf(groupKind: string): Promise<string | undefined> {
    const dot = groupKind.indexOf('.');
    if (dot < 0) return 'v1';
    if (!versions) {
      const groups = await kc.makeApiClient(ApisApi).getAPIVersions();
      versions = new Map(groups.groups.map((g) => [g.name, g.preferredVersion?.groupVersion ?? '']));
    }
    return versions.get(groupKind.slice(dot + 1)) || undefined;
  }

  /** The members of `env`'s ApplySet of one group-kind, in every namespace (labelled part-of its id and gkeflow-env). */
  async function members(env: EnvRef, namespace: string, groupKind: string): Promise<KubernetesObject[]> {
    const apiVersion = await apiVersionOf(groupKind);
    if (!apiVersion) return [];
    const kind = groupKind.split('.')[0]!;
    const list = await api
      .list(
        apiVersion,
        kind,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        `${APPLYSET.partOf}=${applysetId(namespace)}`,
      )
      .catch((e: unknown) => {
        if (kubeStatus(e) === 404) return { items: [] as KubernetesObject[] };
        throw kubeError(e, { kind });
      });
    // Fail closed: an object with the set's label that is not this environment's is never touched.
    return list.items.filter((o) => belongsTo(env, o.metadata?.labels)).map((o) => ({ ...o, apiVersion, kind }));
  }

  return { placed, apply, read, remove, members };
}

export type ObjectClient = Awaited<ReturnType<typeof objectClient>>;

/** The error with the file and object in front of its message. */
function named(err: ActivityError, source: string, o: KubernetesObject): ActivityError {
  err.message = `${source}: ${describeObject(o)}: ${err.message}`;
  return err;
}

/** Polls `check` until it says done, heartbeating its progress; times out after `timeoutMs`. */
export async function pollUntil(
  what: string,
  check: () => Promise<{ done: boolean; progress: Record<string, unknown> }>,
  timeoutMs: number,
  intervalMs = 500,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await check();
    heartbeat({ step: what, ...r.progress });
    if (r.done) return;
    if (Date.now() > deadline)
      throw new OperationTimeoutError(
        `${what}: not done after ${Math.round(timeoutMs / 1000)}s (${JSON.stringify(r.progress)})`,
        { step: what },
      );
    await pause(intervalMs);
  }
}
