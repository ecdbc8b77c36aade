/**
 * Artifact Registry's repository cleanup policies in the local Artifact Registry: parsed from a
 * CreateRepository request, reported back by Get/ListRepositories, and honoured whenever a
 * repository's versions are listed (Artifact Registry runs them in the background, about daily;
 * here they run at once, which only shortens the wait). A version matching a DELETE policy's
 * condition goes unless a KEEP policy matches it too, as Artifact Registry decides.
 */
import { invalidArgument } from '../errors';
import type { StoredImage } from './backend';
import type { CleanupPolicyRecord } from './repositories';

const TAG_STATES = ['TAGGED', 'UNTAGGED', 'ANY'] as const;
const ACTIONS = ['DELETE', 'KEEP'] as const;

type Duration = { seconds?: number | string; nanos?: number } | undefined;

/** The request's `cleanupPolicies` map as records; INVALID_ARGUMENT for what Artifact Registry refuses. */
export function cleanupPoliciesOf(raw: Record<string, unknown> | undefined): Record<string, CleanupPolicyRecord> {
  const out: Record<string, CleanupPolicyRecord> = {};
  for (const [key, value] of Object.entries(raw ?? {})) {
    const p = (value ?? {}) as {
      id?: string;
      action?: string;
      condition?: { tagState?: string; olderThan?: Duration };
    };
    const action = ACTIONS.find((a) => a === p.action);
    if (!action) throw invalidArgument(`cleanupPolicies[${key}].action must be DELETE or KEEP`);
    if (!p.condition) throw invalidArgument(`cleanupPolicies[${key}]: only the condition form is supported locally`);
    const tagState = TAG_STATES.find((t) => t === p.condition?.tagState);
    const olderThan = p.condition.olderThan?.seconds;
    out[key] = Object.freeze({
      id: p.id || key,
      action,
      condition: Object.freeze({
        ...(tagState ? { tagState } : {}),
        ...(olderThan !== undefined ? { olderThanSeconds: Number(olderThan) } : {}),
      }),
    });
  }
  return out;
}

/** The records as the API's CleanupPolicy messages. */
export function cleanupPolicyMessages(policies: Readonly<Record<string, CleanupPolicyRecord>>) {
  return Object.fromEntries(
    Object.entries(policies).map(([key, p]) => [
      key,
      {
        id: p.id,
        action: p.action,
        condition: {
          ...(p.condition?.tagState ? { tagState: p.condition.tagState } : {}),
          ...(p.condition?.olderThanSeconds !== undefined
            ? { olderThan: { seconds: p.condition.olderThanSeconds, nanos: 0 } }
            : {}),
        },
      },
    ]),
  );
}

const matches = (p: CleanupPolicyRecord, image: StoredImage, createdMs: number | undefined, now: number) => {
  const state = p.condition?.tagState ?? 'ANY';
  if (state === 'TAGGED' && !image.tags.length) return false;
  if (state === 'UNTAGGED' && image.tags.length) return false;
  const older = p.condition?.olderThanSeconds;
  // Age unknown (a version pushed before versions were recorded): never old enough to delete.
  if (older !== undefined && (createdMs === undefined || now - createdMs < older * 1000)) return false;
  return true;
};

/** The versions the repository's policies delete now. */
export function applyCleanupPolicies(
  policies: Readonly<Record<string, CleanupPolicyRecord>> | undefined,
  images: readonly StoredImage[],
  createdMs: (image: StoredImage) => number | undefined,
  now: number,
): StoredImage[] {
  const all = Object.values(policies ?? {});
  const deletes = all.filter((p) => p.action === 'DELETE');
  const keeps = all.filter((p) => p.action === 'KEEP');
  if (!deletes.length) return [];
  return images.filter((i) => {
    const created = createdMs(i);
    return deletes.some((p) => matches(p, i, created, now)) && !keeps.some((p) => matches(p, i, created, now));
  });
}
