/**
 * Waiting on one Kubernetes object with list + watch (no sleep loop): list to get the current
 * state and a resourceVersion, watch from there, re-list when the watch ends. Heartbeats the
 * latest progress while waiting; honours activity cancellation and a wait budget.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { kubeLib } from '../clients/kube-lib';
import { OperationTimeoutError } from '../contract/activity-errors';
import { kubeError } from '../clients/kube-errors';
import { cancelSignal, heartbeat, pause } from './progress';

export interface WatchUntilOptions<T extends KubernetesObject, R> {
  /** Called for every list+watch round, so a short-lived token (GKE) is renewed at least once a minute. */
  kubeConfig: () => Promise<KubeConfig>;
  apiVersion: string;
  kind: string;
  /** Plural resource path segment, e.g. `deployments`. */
  plural: string;
  namespace: string;
  name: string;
  /** Decides on each observed state (undefined = the object does not exist): a result ends the wait, a throw fails it. */
  check: (obj: T | undefined) => R | undefined;
  /** Heartbeat details for a state (plain counts, never credentials). */
  progress: (obj: T | undefined) => Record<string, unknown>;
  timeoutMs: number;
  /** How often to heartbeat while nothing changes. */
  heartbeatMs?: number;
}

type Outcome<R> = { done: R } | { relist: true };

/** Watches one object until check() returns a result. */
export async function watchUntil<T extends KubernetesObject, R>(o: WatchUntilOptions<T, R>): Promise<R> {
  const deadline = Date.now() + o.timeoutMs;
  const group = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  const path = `${group}/namespaces/${o.namespace}/${o.plural}`;
  const fieldSelector = `metadata.name=${o.name}`;
  const ctx = { kind: o.kind, namespace: o.namespace, name: o.name };
  for (;;) {
    const kc = await o.kubeConfig();
    const { KubernetesObjectApi, Watch } = await kubeLib();
    const list = await KubernetesObjectApi.makeApiClient(kc)
      .list<T>(o.apiVersion, o.kind, o.namespace, undefined, undefined, undefined, fieldSelector)
      .catch((e: unknown) => {
        throw kubeError(e, ctx);
      });
    let current = list.items.find((i) => i.metadata?.name === o.name);
    const first = o.check(current);
    if (first !== undefined) return first;
    heartbeat(o.progress(current));
    const outcome = await new Promise<Outcome<R>>((resolve, reject) => {
      let controller: AbortController | undefined;
      let finished = false;
      const signal = cancelSignal();
      const finish = (f: () => void) => {
        if (finished) return;
        finished = true;
        clearInterval(beat);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        controller?.abort();
        f();
      };
      const beat = setInterval(() => heartbeat(o.progress(current)), o.heartbeatMs ?? 5000);
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new OperationTimeoutError(
                `${o.kind} ${o.namespace}/${o.name} not ready after ${Math.round(o.timeoutMs / 1000)}s`,
                { ...ctx, ...flat(o.progress(current)) },
              ),
            ),
          ),
        Math.max(0, deadline - Date.now()),
      );
      const onAbort = () => finish(() => reject(signal?.reason));
      signal?.addEventListener('abort', onAbort, { once: true });
      new Watch(kc)
        .watch(
          path,
          {
            fieldSelector,
            resourceVersion: list.metadata?.resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: 60,
          },
          (type: string, obj: T) => {
            if (type === 'BOOKMARK') return;
            if (type === 'ERROR') return finish(() => resolve({ relist: true })); // e.g. 410 Gone: resourceVersion too old
            current = type === 'DELETED' ? undefined : obj;
            try {
              const r = o.check(current);
              if (r !== undefined) finish(() => resolve({ done: r }));
              else heartbeat(o.progress(current));
            } catch (e) {
              finish(() => reject(e));
            }
          },
          () => finish(() => resolve({ relist: true })),
        )
        .then(
          (c) => {
            controller = c;
            if (finished) c.abort();
          },
          (e: unknown) => finish(() => reject(kubeError(e, ctx))),
        );
    });
    if ('done' in outcome) return outcome.done;
    if (Date.now() >= deadline)
      throw new OperationTimeoutError(`${o.kind} ${o.namespace}/${o.name} not ready in time`, ctx);
    await pause(200); // a watch that ends at once (API server restarting) must not spin
  }
}

function flat(d: Record<string, unknown>): Record<string, string | number | boolean | undefined> {
  const out: Record<string, string | number | boolean | undefined> = {};
  for (const [k, v] of Object.entries(d))
    out[k] = typeof v === 'object' ? JSON.stringify(v) : (v as string | number | boolean | undefined);
  return out;
}
