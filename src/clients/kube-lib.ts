/**
 * @kubernetes/client-node, loaded on the first Kubernetes step rather than at the worker's start:
 * importing it costs ~65 MB of RSS (31 MB of V8 heap) and about a second, which a worker that
 * has not yet run a Kubernetes step, and every CLI command but those that talk to a cluster,
 * need not pay. Once loaded it stays (Node cannot unload a module): a worker that has run any
 * Kubernetes step holds it, as before.
 */
import type * as k8s from '@kubernetes/client-node';

export type KubeLib = typeof k8s;

let loaded: Promise<KubeLib> | undefined;

/** The library, imported once per process on first use. */
export function kubeLib(): Promise<KubeLib> {
  loaded ??= import('@kubernetes/client-node');
  return loaded;
}

/** The library's patch content types, as constants (so a patch needs no await); typed against it. */
export const SERVER_SIDE_APPLY: (typeof k8s.PatchStrategy)['ServerSideApply'] = 'application/apply-patch+yaml';
export const MERGE_PATCH: (typeof k8s.PatchStrategy)['MergePatch'] = 'application/merge-patch+json';
