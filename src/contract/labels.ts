/**
 * The labels every gkeflow resource carries and the search attributes every environment run
 * carries: one list each, read by the activities, the workflows, the stack (which registers the
 * search attributes on its dev server) and the reaper. Pure, without Node built-ins, so the same
 * hash is computed anywhere (a workflow, the reaper, the CLI) and always agrees.
 */
import { defineSearchAttributeKey } from '@temporalio/common';
import type { EnvRef } from './environment-id';

/** Labels every created resource carries (`managed-by: gkeflow`, `gkeflow-env`, `gkeflow-expires-at`). */
export type ResourceLabels = Record<string, string>;

/** Label names on clusters, Deployments, Services and pods. */
export const LABELS = {
  /** `gkeflow` on everything gkeflow created. */
  managedBy: 'managed-by',
  /** envHash(environment id): whose resource it is (label values may not hold `/`). */
  env: 'gkeflow-env',
  /** When the environment expires, in unix seconds: the reaper deletes what outlived it. */
  expiresAt: 'gkeflow-expires-at',
  /** Set (to `true`) by a user on a resource the reaper must never delete. */
  protect: 'gkeflow-protect',
  /**
   * ownerHash(Temporal namespace, installation id) of the installation that made it: a reaper
   * judges only what its own installation owns (two installations may share one project).
   */
  owner: 'gkeflow-owner',
} as const;

/** The value of LABELS.managedBy. */
export const MANAGED_BY_VALUE = 'gkeflow';

/**
 * A short, stable hash of an environment id (its workflow id): 12 hex characters of 64-bit
 * FNV-1a. Label values may not hold `/`, so the id itself cannot be the label.
 */
export function envHash(envId: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (const byte of new TextEncoder().encode(envId)) {
    h ^= BigInt(byte);
    h = (h * prime) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0').slice(0, 12);
}

/**
 * The gkeflow-owner label value of an installation: envHash of its Temporal namespace and its
 * installation id (src/config/installation.ts). Computed Node-side (the CLI knows both) and passed
 * in the workflows' inputs, so a workflow never reads configuration.
 */
export function ownerHash(namespace: string, installation: string): string {
  return envHash(`${namespace}\n${installation}`);
}

/** The owner label to stamp, or nothing when the run has no owner (inputs from before owners). */
export function ownerLabels(owner: string | undefined): ResourceLabels {
  return owner ? { [LABELS.owner]: owner } : {};
}

/** A label value for an expiry time: unix seconds (label values may not contain `:`). */
export function expiresAtLabel(at: Date | number): string {
  return String(Math.floor((typeof at === 'number' ? at : at.getTime()) / 1000));
}

/**
 * The labels of a resource of `env`: the caller's labels plus `managed-by: gkeflow` and
 * `gkeflow-env: envHash(env.id)`, which activities always set themselves so that adoption
 * never depends on what the caller passed.
 */
export function managedLabels(env: Pick<EnvRef, 'id'>, labels: ResourceLabels = {}, expiresAt?: Date): ResourceLabels {
  return {
    ...labels,
    [LABELS.managedBy]: MANAGED_BY_VALUE,
    [LABELS.env]: envHash(env.id),
    ...(expiresAt ? { [LABELS.expiresAt]: expiresAtLabel(expiresAt) } : {}),
  };
}

/** True when a resource's labels say it belongs to `env`. */
export function belongsTo(env: Pick<EnvRef, 'id'>, labels: Record<string, string> | null | undefined): boolean {
  return labels?.[LABELS.env] === envHash(env.id);
}

/**
 * The search attributes of an environment run: set at start, upserted by the workflow, and
 * registered by the local stack's dev server (see searchAttributeFlags).
 */
export const SEARCH_ATTRIBUTES = {
  project: defineSearchAttributeKey('GkeflowProject', 'KEYWORD'),
  location: defineSearchAttributeKey('GkeflowLocation', 'KEYWORD'),
  cluster: defineSearchAttributeKey('GkeflowCluster', 'KEYWORD'),
  /** The environment's Phase. */
  phase: defineSearchAttributeKey('GkeflowPhase', 'KEYWORD'),
  expiresAt: defineSearchAttributeKey('GkeflowExpiresAt', 'DATETIME'),
};

/** The type names `temporal server start-dev --search-attribute NAME=TYPE` takes. */
const CLI_TYPE = { KEYWORD: 'Keyword', DATETIME: 'Datetime' } as const;

/** `NAME=TYPE` for each search attribute, as `temporal server start-dev --search-attribute` takes them. */
export function searchAttributeFlags(): string[] {
  return Object.values(SEARCH_ATTRIBUTES).map((k) => `${k.name}=${CLI_TYPE[k.type]}`);
}
