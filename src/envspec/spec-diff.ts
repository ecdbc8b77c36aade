/**
 * What changed between a running environment's spec and a new one, and which changes cannot be
 * applied in place: the CLI prints and checks them before `up` sends an update, and the
 * workflow's validator checks them again. Pure (workflow-safe).
 */
import type { EnvironmentSpec } from '../contract/environment-spec';
import type { SpecIssue } from './cross-checks';

/** One changed field: its path and the two values (JSON). */
export interface SpecChange {
  path: string;
  from: unknown;
  to: unknown;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every leaf field whose value differs (arrays compare whole). */
export function specChanges(a: unknown, b: unknown, path = ''): SpecChange[] {
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => specChanges(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path, from: a, to: b }];
}

/** Fields an update never changes: where the environment is, its cluster, its kind of workload. */
const FIXED: Array<[RegExp, string]> = [
  [/^(target|project|location)$/, "is the environment's identity; a changed one is another environment"],
  [/^cluster\.nodePools/, 'node pools are not added, removed or changed by an update; use `gkeflow resize` for sizes'],
  [/^cluster\./, 'GKE cannot change it in place; tear the environment down and up again'],
  [
    /^(deployment|service)(\.|$)/,
    "gkeflow's own Deployment and Service are not updated in place yet (use scale); tear down and up",
  ],
  [/^app\.namespace$/, "is where the app's ApplySet lives; moving it would orphan its members"],
  [/^app$/, 'an environment keeps its kind of workload (app, or deployment + service)'],
  [/^(ttl|healthCheck)(\.|$)/, 'is fixed at first start; use `gkeflow extend` for the TTL'],
];

/** The changes an update refuses, each naming its field and why. */
export function fixedFieldProblems(running: EnvironmentSpec, next: EnvironmentSpec): SpecIssue[] {
  const out: SpecIssue[] = [];
  for (const c of specChanges(running, next)) {
    const rule = FIXED.find(([re]) => re.test(c.path));
    if (rule && !out.some((i) => c.path.startsWith(i.path))) out.push({ path: c.path, message: rule[1] });
  }
  return out;
}

/** Why a change to an environment of gkeflow's own Deployment and Service is refused, by field. */
const OWN_WORKLOAD: Array<[RegExp, string]> = [
  [/^deployment\.replicas$/, 'use `gkeflow scale <cluster> --replicas N`'],
  [
    /^image(\.|$)/,
    "a new image is not rolled out to gkeflow's own Deployment in place; `gkeflow down` then `up`, or describe the workload as `app:` (updated in place)",
  ],
];

/**
 * `up` on a running environment of gkeflow's own `deployment:`/`service:` with a changed spec:
 * such an environment is not updated in place, so every change is refused, each naming its field
 * and what to do instead (docs/app.md). An app environment's changes go to fixedFieldProblems.
 */
export function ownWorkloadProblems(running: EnvironmentSpec, next: EnvironmentSpec): SpecIssue[] {
  const out: SpecIssue[] = [];
  for (const c of specChanges(running, next)) {
    if (out.some((i) => c.path.startsWith(`${i.path}.`))) continue;
    const rule = OWN_WORKLOAD.find(([re]) => re.test(c.path)) ?? FIXED.find(([re]) => re.test(c.path));
    out.push({
      path: c.path,
      message:
        rule?.[1] ??
        "an environment of gkeflow's own Deployment and Service is not updated in place; `gkeflow down` then `up`, or describe the workload as `app:` (updated in place)",
    });
  }
  return out;
}
