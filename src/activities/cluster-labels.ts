/**
 * setClusterLabels: rewrites some of a cluster's resource labels (e.g. `gkeflow-expires-at`
 * after a TTL extension) through GKE's SetLabels, which replaces the whole label map and needs
 * the fingerprint GetCluster returned. A fingerprint mismatch (someone changed the labels
 * meanwhile) is FAILED_PRECONDITION, retried by Temporal with a fresh read.
 */
import type { GkeClient } from '../clients/gke';
import { belongsTo } from '../contract/labels';
import { NameTakenError } from '../contract/activity-errors';
import { gkeError } from '../clients/gke-errors';
import { clusterNameOf, parentOf } from './gke';
import { operationName, waitForOperation, type WaitOptions } from './gke-operations';
import type { SetClusterLabelsInput } from '../contract/cluster-io';

export interface ClusterLabelDeps {
  gke: GkeClient;
  pollMs?: number;
  operationTimeoutMs?: number;
}

/** Builds the label activity. */
export function clusterLabelActivities(deps: ClusterLabelDeps) {
  const wait: WaitOptions = { pollMs: deps.pollMs ?? 2000, timeoutMs: deps.operationTimeoutMs ?? 10 * 60_000 };
  return {
    /** Merges `labels` into the cluster's labels; a no-op when they are already set. Refuses a foreign cluster. */
    async setClusterLabels({ env, labels }: SetClusterLabelsInput): Promise<void> {
      const name = clusterNameOf(env);
      const ctx = { cluster: name, step: 'set labels' };
      const c = await deps.gke.getCluster(name).catch((e: unknown) => {
        throw gkeError(e, ctx);
      });
      const current = (c.resourceLabels ?? {}) as Record<string, string>;
      if (!belongsTo(env, current))
        throw new NameTakenError(
          `refusing to relabel cluster ${name}: it does not carry this environment's label`,
          ctx,
        );
      if (Object.entries(labels).every(([k, v]) => current[k] === v)) return;
      const op = await deps.gke.setLabels(name, { ...current, ...labels }, c.labelFingerprint ?? '').catch((e) => {
        throw gkeError(e, ctx);
      });
      await waitForOperation(deps.gke, operationName(parentOf(env), op), 'set labels', wait, ctx);
    },
  };
}
