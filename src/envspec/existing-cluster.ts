/**
 * A namespace environment (spec `cluster: {existing: NAME, namespace: NS, quota: {...}}`): the
 * environment is a namespace on a cluster gkeflow did not create and never creates, resizes or
 * deletes. Its fields, the rules that relate them to the rest of the spec, and its normal form.
 */
import { z } from 'zod';
import { gkeNameProblem } from '../gke/rules';
import { dns1123LabelProblem, parseQuantity } from './names';
import { QUOTA_RESOURCES } from '../contract/environment-spec';

/** Why `name` cannot be a namespace environment's namespace, or undefined. */
export function environmentNamespaceProblem(name: string): string | undefined {
  const p = dns1123LabelProblem(name);
  if (p) return p;
  if (name === 'default' || /^(kube|gke|gmp)-/.test(name) || name === 'kube-system')
    return `"${name}" is the cluster's own (default, kube-*, gke-*, gmp-*): a namespace environment makes a namespace of its own`;
  return undefined;
}

const checked = (problem: (v: string) => string | undefined) =>
  z.string().superRefine((v, ctx) => {
    const p = problem(v);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  });

/** The fields of `cluster` a namespace environment uses (spread into the cluster schema), built afresh per call. */
export function existingClusterFields() {
  const quotaValue = z
    .union([z.string(), z.number()])
    .transform(String)
    .superRefine((v, ctx) => {
      if (parseQuantity(v) === undefined)
        ctx.addIssue({ code: 'custom', message: `"${v}" is not a Kubernetes quantity (e.g. 2, 500m, 4Gi)` });
    });
  return {
    /** A cluster gkeflow did not create: the environment is a namespace on it. */
    existing: z
      .string()
      .superRefine((v, ctx) => {
        const p = gkeNameProblem(v);
        if (p) ctx.addIssue({ code: 'custom', message: p });
      })
      .optional(),
    /** The environment's own namespace on `existing` (made, labelled, and deleted by gkeflow). */
    namespace: checked(environmentNamespaceProblem).optional(),
    /** The namespace's ResourceQuota (`spec.hard`): resource → quantity. */
    quota: z.partialRecord(z.enum(QUOTA_RESOURCES), quotaValue).optional(),
  };
}

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {});

/** The cluster fields that describe a cluster gkeflow creates: meaningless on one it did not. */
const CREATED_CLUSTER_FIELDS = ['releaseChannel', 'serviceAccount', 'useIpAliases', 'network', 'subnetwork'];

/** Problems of a raw spec's `cluster.existing`, `namespace` and `quota` with the rest of the spec. */
export function existingClusterProblems(root: Raw): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  const cluster = obj(root.cluster);
  const existing = cluster.existing;
  if (existing === undefined) {
    if (cluster.name === undefined) out.push({ path: 'cluster.name', message: 'is required (or cluster.existing)' });
    for (const k of ['namespace', 'quota'])
      if (cluster[k] !== undefined)
        out.push({ path: `cluster.${k}`, message: 'is only for a namespace environment (cluster.existing)' });
    return out;
  }
  const mine = 'must be omitted with cluster.existing (gkeflow does not create that cluster)';
  if (cluster.name !== undefined)
    out.push({ path: 'cluster.name', message: 'must be omitted with cluster.existing (one of name, existing)' });
  if (cluster.namespace === undefined)
    out.push({ path: 'cluster.namespace', message: "is required with cluster.existing (the environment's namespace)" });
  for (const k of CREATED_CLUSTER_FIELDS)
    if (cluster[k] !== undefined) out.push({ path: `cluster.${k}`, message: mine });
  // The normal form carries mode standard and no pools: accepted, so a normalised spec re-validates.
  if (cluster.mode !== undefined && cluster.mode !== 'standard') out.push({ path: 'cluster.mode', message: mine });
  if (Array.isArray(cluster.nodePools) ? cluster.nodePools.length > 0 : cluster.nodePools !== undefined)
    out.push({ path: 'cluster.nodePools', message: mine });
  (Array.isArray(root.steps) ? root.steps : []).forEach((s, i) => {
    if (obj(s).resize !== undefined)
      out.push({
        path: `steps[${i}].resize`,
        message: `cluster ${String(existing)} is not this environment's: its node pools are not resized`,
      });
  });
  const ns = cluster.namespace;
  for (const [path, v] of [
    ['deployment.namespace', obj(root.deployment).namespace],
    ['app.namespace', obj(root.app).namespace],
  ] as const)
    if (v !== undefined && ns !== undefined && v !== ns)
      out.push({ path, message: `must be the environment's namespace ${String(ns)} (cluster.namespace), or omitted` });
  return out;
}

interface ClusterPart {
  existing?: string | undefined;
  namespace?: string | undefined;
}

/**
 * The namespace a namespace environment deploys into (its own), or undefined for a cluster
 * environment: normalise sets the Deployment's and the app's namespace to it.
 */
export function environmentNamespaceOf(cluster: ClusterPart): string | undefined {
  return cluster.existing !== undefined ? cluster.namespace : undefined;
}
