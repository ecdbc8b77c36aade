/**
 * One ApplySet per environment (KEP-3659), so `kubectl apply --prune --applyset` users recognise
 * what gkeflow applied: a parent Secret in the app's namespace labelled with the set's id and
 * annotated with its tooling and the group-kinds it contains; every member labelled `part-of`
 * the id. Pure functions: ids, labels and the parent object.
 */
import crypto from 'node:crypto';
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { managedLabels, type ResourceLabels } from '../contract/labels';
import type { EnvRef } from '../contract/environment-id';

export const APPLYSET = {
  id: 'applyset.kubernetes.io/id',
  partOf: 'applyset.kubernetes.io/part-of',
  tooling: 'applyset.kubernetes.io/tooling',
  containsGroupKinds: 'applyset.kubernetes.io/contains-group-kinds',
  additionalNamespaces: 'applyset.kubernetes.io/additional-namespaces',
} as const;

/** The parent Secret's name (one set per environment, in the app's namespace). */
export const APPLYSET_PARENT = 'gkeflow-applyset';
/** `gkeflow/<version>`, the tooling annotation (kubectl refuses to prune a set another tool owns). */
export const APPLYSET_TOOLING = 'gkeflow/v0.1.0';

/** KEP-3659's id: `applyset-<base64url(sha256(<name>.<namespace>.<kind>.<group>))>-v1`. */
export function applysetId(namespace: string, name = APPLYSET_PARENT): string {
  const hash = crypto.createHash('sha256').update(`${name}.${namespace}.Secret.`).digest('base64url');
  return `applyset-${hash}-v1`;
}

/** `Kind.group` (`Deployment.apps`), or `Kind` for the core group, as contains-group-kinds lists them. */
export function groupKindOf(o: Pick<KubernetesObject, 'apiVersion' | 'kind'>): string {
  const group = o.apiVersion?.includes('/') ? o.apiVersion.split('/')[0] : '';
  return group ? `${o.kind}.${group}` : String(o.kind);
}

/** The parent Secret, listing the group-kinds and namespaces its members are in. */
export function applysetParent(
  env: EnvRef,
  namespace: string,
  groupKinds: Iterable<string>,
  namespaces: Iterable<string>,
): V1Secret {
  const others = [...new Set(namespaces)].filter((n) => n !== namespace).sort();
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: APPLYSET_PARENT,
      namespace,
      labels: { ...managedLabels(env), [APPLYSET.id]: applysetId(namespace) },
      annotations: {
        [APPLYSET.tooling]: APPLYSET_TOOLING,
        [APPLYSET.containsGroupKinds]: [...new Set(groupKinds)].sort().join(','),
        ...(others.length ? { [APPLYSET.additionalNamespaces]: others.join(',') } : {}),
      },
    },
  };
}

/** What the parent says the set holds (group-kinds, namespaces); empty for a set that does not exist yet. */
export function applysetContents(parent: KubernetesObject | undefined): { groupKinds: string[]; namespaces: string[] } {
  const a = parent?.metadata?.annotations ?? {};
  const list = (v: string | undefined) => (v ? v.split(',').filter(Boolean) : []);
  const ns = parent?.metadata?.namespace;
  return {
    groupKinds: list(a[APPLYSET.containsGroupKinds]),
    namespaces: [...(ns ? [ns] : []), ...list(a[APPLYSET.additionalNamespaces])],
  };
}

/** A member as applied: the user's object with the set's and gkeflow's labels. */
export function asMember(
  o: KubernetesObject,
  env: EnvRef,
  namespace: string,
  labels: ResourceLabels,
): KubernetesObject {
  return {
    ...o,
    metadata: {
      ...o.metadata,
      labels: {
        ...(o.metadata?.labels ?? {}),
        ...managedLabels(env, labels),
        [APPLYSET.partOf]: applysetId(namespace),
      },
    },
  };
}

/** A stable key of an object: group-kind, namespace, name. */
export const memberKey = (o: KubernetesObject) =>
  `${groupKindOf(o)}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** Replaces `$image` in every container and init container of the object (pods, templates, job templates). */
export function withImage<T>(value: T, image: string | undefined): T {
  if (!image) return value;
  const walk = (v: unknown, key?: string): unknown => {
    if (Array.isArray(v)) {
      if (key === 'containers' || key === 'initContainers' || key === 'ephemeralContainers')
        return v.map((c: unknown) => {
          const w = walk(c) as Record<string, unknown>;
          return w && typeof w === 'object' && w.image === '$image' ? { ...w, image } : w;
        });
      return v.map((x) => walk(x));
    }
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  return walk(value) as T;
}
