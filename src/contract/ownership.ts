/**
 * Whether a resource is provably this installation's and its labels say enough to judge it: the
 * one rule shared by the reaper's plan (src/workflows/reaper/plan.ts) and the re-check a reaper's
 * teardown makes right before each delete (src/activities/reaper.ts checkTeardown). Pure.
 */
import { LABELS } from './labels';

/** Why a resource is not judged (a doubt means: skip and report, never delete). */
export const OWNERSHIP_DOUBTS = {
  noOwner: 'this reaper run has no owner (a schedule made before owners): it judges nothing; recreate the schedule',
  unowned: "no gkeflow-owner label (made before owners, or by hand): not provably this installation's",
  otherOwner: "owned by another gkeflow installation (its gkeflow-owner is not this one's)",
  unknownAge: 'GKE did not say when it was created (unknown age)',
  badExpiry: 'its gkeflow-expires-at label is not a valid time (unix seconds, 2020 or later)',
} as const;

/** What the rule reads of a resource. */
export interface Judged {
  labels: Record<string, string>;
  /** Creation time, epoch ms; 0 or less: unknown. */
  createdAtMs: number;
}

/**
 * The earliest gkeflow-expires-at taken as a time (2020-09-13, before gkeflow existed): a `0`, a
 * truncated or a garbled label is malformed, never "long expired".
 */
export const EARLIEST_EXPIRY_S = 1_600_000_000;

/**
 * The doubt about a resource, or undefined when it may be judged: the owner must be `owner`
 * (undefined: the run has none), the creation time known, and a gkeflow-expires-at label (when
 * present) unix seconds no earlier than EARLIEST_EXPIRY_S.
 */
export function ownershipDoubt(r: Judged, owner: string | undefined): string | undefined {
  if (owner === undefined) return OWNERSHIP_DOUBTS.noOwner;
  const theirs = r.labels[LABELS.owner];
  if (!theirs) return OWNERSHIP_DOUBTS.unowned;
  if (theirs !== owner) return OWNERSHIP_DOUBTS.otherOwner;
  if (!(r.createdAtMs > 0)) return OWNERSHIP_DOUBTS.unknownAge;
  const v = r.labels[LABELS.expiresAt];
  if (v !== undefined && !(/^\d{10,12}$/.test(v) && Number(v) >= EARLIEST_EXPIRY_S)) return OWNERSHIP_DOUBTS.badExpiry;
  return undefined;
}
