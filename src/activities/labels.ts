/**
 * The labels every gkeflow resource carries. Pure functions without Node built-ins, so the same
 * hash can be computed anywhere (a workflow, the reaper, the CLI) and always agrees.
 */
import type { EnvRef, ResourceLabels } from './types';

export const MANAGED_BY = 'managed-by';
export const MANAGED_BY_VALUE = 'gkeflow';
export const ENV_LABEL = 'gkeflow-env';
export const EXPIRES_LABEL = 'gkeflow-expires-at';

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

/** A label value for an expiry time: unix seconds (label values may not contain `:`). */
export function expiresAtLabel(at: Date): string {
  return String(Math.floor(at.getTime() / 1000));
}

/**
 * The labels of a resource of `env`: the caller's labels plus `managed-by: gkeflow` and
 * `gkeflow-env: envHash(env.id)`, which activities always set themselves so that adoption
 * never depends on what the caller passed.
 */
export function managedLabels(env: Pick<EnvRef, 'id'>, labels: ResourceLabels = {}, expiresAt?: Date): ResourceLabels {
  return {
    ...labels,
    [MANAGED_BY]: MANAGED_BY_VALUE,
    [ENV_LABEL]: envHash(env.id),
    ...(expiresAt ? { [EXPIRES_LABEL]: expiresAtLabel(expiresAt) } : {}),
  };
}

/** True when a resource's labels say it belongs to `env`. */
export function belongsTo(env: Pick<EnvRef, 'id'>, labels: Record<string, string> | null | undefined): boolean {
  return labels?.[ENV_LABEL] === envHash(env.id);
}
