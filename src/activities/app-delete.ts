/**
 * deleteApp: the app's whole ApplySet, in the order GKE needs. Load balancers first — every
 * LoadBalancer Service, Ingress and Gateway, waiting until their finalizers say the cloud
 * released them (a cluster deleted before that leaks them) — then every other member, then the
 * parent. Fails closed: a parent that is not this environment's is reported, never deleted
 * through, and its cluster is kept (the step counts as the `service` resource).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { InvalidArgumentError, ResourceNotFoundError } from '../contract/activity-errors';
import type { DeleteAppInput, DeleteAppResult } from '../contract/app-io';
import { belongsTo } from '../contract/labels';
import { APPLYSET, APPLYSET_PARENT, applysetContents, applysetId } from './applyset';
import { describeObject, objectClient, pollUntil, type ObjectClient } from './app-kube';
import type { AppActivityDeps } from './app-apply';

/** What holds a cloud load balancer until its finalizer releases it. */
export function holdsLoadBalancer(o: KubernetesObject): boolean {
  if (o.kind === 'Service') return (o as { spec?: { type?: string } }).spec?.type === 'LoadBalancer';
  return o.kind === 'Ingress' || o.kind === 'Gateway';
}

export function appDeleteActivities(deps: AppActivityDeps) {
  const waitMs = deps.waitTimeoutMs ?? 10 * 60_000;
  const pollMs = deps.pollMs ?? 500;

  /** Deletes the objects and waits until every one is gone (finalizers released). */
  async function deleteAll(c: ObjectClient, objects: KubernetesObject[], what: string): Promise<string[]> {
    const deleted: string[] = [];
    for (const o of objects) if (await c.remove(o)) deleted.push(describeObject(o));
    await pollUntil(
      what,
      async () => {
        const left: string[] = [];
        for (const o of objects) {
          const live = await c.read(o);
          if (live) left.push(`${describeObject(o)} [${(live.metadata?.finalizers ?? []).join(',')}]`);
        }
        return { done: left.length === 0, progress: { left: left.slice(0, 10), waiting: left.length } };
      },
      waitMs,
      pollMs,
    );
    return deleted;
  }

  return {
    /**
     * Deletes the environment's ApplySet; no set ⇒ `{deleted: false}`; no cluster ⇒ `{deleted:
     * false, clusterMissing: true}` (its load balancers may be left: a teardown reports them).
     */
    async deleteApp(input: DeleteAppInput): Promise<DeleteAppResult> {
      const kc = await deps.kubeFor(input.env).catch((e: unknown) => {
        if (e instanceof ResourceNotFoundError && e.context.cluster) return undefined;
        throw e;
      });
      if (!kc) return { deleted: false, members: [], clusterMissing: true };
      const c = await objectClient(kc);
      const parentRef = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: APPLYSET_PARENT, namespace: input.namespace },
      };
      const parent = await c.read(parentRef);
      if (!parent) return { deleted: false, members: [] };
      const labels = parent.metadata?.labels;
      if (!belongsTo(input.env, labels) || labels?.[APPLYSET.id] !== applysetId(input.namespace))
        throw new InvalidArgumentError(
          `ApplySet parent Secret ${input.namespace}/${APPLYSET_PARENT} is not this environment's (its labels); nothing deleted`,
          { namespace: input.namespace, name: APPLYSET_PARENT },
        );
      const members: KubernetesObject[] = [];
      for (const gk of applysetContents(parent).groupKinds)
        members.push(...(await c.members(input.env, input.namespace, gk)));
      const lbs = members.filter(holdsLoadBalancer);
      // Namespaces last: deleting one deletes what is in it, and the waits below would see members vanish out of order.
      const rest = members.filter((m) => !holdsLoadBalancer(m) && m.kind !== 'Namespace');
      const namespaces = members.filter((m) => m.kind === 'Namespace');
      const deleted = [
        ...(await deleteAll(c, lbs, 'delete-load-balancers')),
        ...(await deleteAll(c, rest, 'delete-members')),
        ...(await deleteAll(c, namespaces, 'delete-namespaces')),
      ];
      await deleteAll(c, [parent], 'delete-applyset-parent');
      return { deleted: true, members: deleted };
    },
  };
}
