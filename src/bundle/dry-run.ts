/**
 * What applying a rendered app to a running environment would do, found with a server-side
 * dry-run (`dryRun=All`: the API server runs admission and defaulting, stores nothing): each
 * object created, changed or unchanged, and each member of the ApplySet it would prune.
 * Used by `gkeflow plan`; changes nothing.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { APPLYSET_PARENT, applysetContents, asMember, memberKey, withImage } from '../activities/applyset';
import { describeObject, objectClient } from '../activities/app-kube';
import type { EnvRef } from '../contract/environment-id';
import type { Bundle } from './format';

export interface AppPlan {
  created: string[];
  changed: string[];
  unchanged: string[];
  pruned: string[];
}

/** The object without what the server keeps for itself, for comparing a dry-run with what is live. */
function comparable(o: KubernetesObject | undefined): string {
  if (!o) return '';
  const { metadata, ...rest } = o as KubernetesObject & { status?: unknown };
  const {
    managedFields: _m,
    resourceVersion: _r,
    generation: _g,
    uid: _u,
    creationTimestamp: _c,
    ...meta
  } = metadata ?? {};
  void [_m, _r, _g, _u, _c];
  const { status: _s, ...body } = rest as Record<string, unknown>;
  void _s;
  return JSON.stringify({ ...body, metadata: meta });
}

/** Dry-runs the bundle against the cluster of `env` (members labelled as applyApp would label them). */
export async function planApp(
  kc: KubeConfig,
  env: EnvRef,
  namespace: string,
  bundle: Bundle,
  labels: Record<string, string>,
  image: string | undefined,
): Promise<AppPlan> {
  const c = await objectClient(kc);
  const plan: AppPlan = { created: [], changed: [], unchanged: [], pruned: [] };
  const keep = new Set<string>();
  for (const { source, object } of bundle.objects) {
    const member = await c
      .placed(asMember(withImage(object, image), env, namespace, labels), namespace, source)
      .catch(() => asMember(withImage(object, image), env, namespace, labels)); // a kind a CRD of the bundle brings
    keep.add(memberKey(member));
    const live = await c.read(member).catch(() => undefined);
    if (!live) {
      plan.created.push(describeObject(member));
      continue;
    }
    const after = await c.apply(member, source, true);
    (comparable(after) === comparable(live) ? plan.unchanged : plan.changed).push(describeObject(member));
  }
  const parent = await c.read({ apiVersion: 'v1', kind: 'Secret', metadata: { name: APPLYSET_PARENT, namespace } });
  for (const gk of applysetContents(parent).groupKinds)
    for (const o of await c.members(env, namespace, gk))
      if (!keep.has(memberKey(o))) plan.pruned.push(describeObject(o));
  return plan;
}
