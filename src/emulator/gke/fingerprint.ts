/** GKE's label fingerprint, which SetLabels must echo (optimistic concurrency on a cluster's labels). */
import crypto from 'node:crypto';

/** GKE's label fingerprint: a hash of the sorted labels. */
export function labelFingerprint(labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return crypto.createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}
