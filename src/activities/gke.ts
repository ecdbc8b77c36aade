/**
 * GKE activities: ensure (create or adopt) a cluster, resize a node pool, delete a cluster.
 * Every create/resize/delete records its operation in the heartbeat first, so a retry after a
 * crash or timeout waits for that operation instead of issuing a second one.
 */
import { status as Code } from '@grpc/grpc-js';
import type { Cluster, GkeClient } from '../clients/gke';
import { belongsTo, managedLabels } from '../contract/labels';
import {
  ClusterFailedError,
  IncompatibleOperationError,
  NameTakenError,
  OperationTimeoutError,
  ResourceNotFoundError,
} from './errors';
import { gkeError, grpcCode } from './gke-errors';
import { clusterStatus, operationName, waitForOperation, type GkeProgress, type WaitOptions } from './gke-operations';
import { heartbeat, pause, resumeDetails } from './progress';
import type {
  DeleteClusterResult,
  EnsureClusterInput,
  EnsureClusterResult,
  EnvRef,
  ResizeNodePoolInput,
} from './types';

export interface GkeActivityDeps {
  gke: GkeClient;
  /** How often to poll operations and cluster status (default 2 s). */
  pollMs?: number;
  /** Wait budget for one operation (default 30 min; GKE creates take 3–10 min). */
  operationTimeoutMs?: number;
}

/** `projects/P/locations/L` */
export const parentOf = (env: EnvRef) => `projects/${env.project}/locations/${env.location}`;
/** `projects/P/locations/L/clusters/C` */
export const clusterNameOf = (env: EnvRef) => `${parentOf(env)}/clusters/${env.cluster}`;

/** The Cluster GKE is asked to create for an environment. */
export function clusterRequest(input: EnsureClusterInput): Cluster {
  const autopilot = input.mode === 'autopilot';
  const pools = input.nodePools.map((p) => ({
    name: p.name,
    initialNodeCount: p.nodeCount,
    config: {
      machineType: p.machineType,
      ...(p.diskSizeGb ? { diskSizeGb: p.diskSizeGb } : {}),
      ...(p.labels ? { labels: p.labels } : {}),
    },
    ...(p.autoscaling
      ? {
          autoscaling: {
            enabled: true,
            minNodeCount: p.autoscaling.minNodeCount,
            maxNodeCount: p.autoscaling.maxNodeCount,
          },
        }
      : {}),
    // Node auto-repair: the health check the 2016 walkthrough lacked (GKE's default for Standard pools).
    management: { autoRepair: true, autoUpgrade: true },
  }));
  return {
    name: input.env.cluster,
    resourceLabels: managedLabels(input.env, input.labels),
    ...(autopilot ? { autopilot: { enabled: true } } : { nodePools: pools }),
    ...(input.releaseChannel ? { releaseChannel: { channel: input.releaseChannel } } : {}),
  };
}

const nodeCountOf = (c: Cluster) =>
  (c.nodePools ?? []).reduce((n, p) => n + (p.initialNodeCount ?? 0), 0) || (c.currentNodeCount ?? 0);

const result = (c: Cluster, created: boolean): EnsureClusterResult => ({
  created,
  status: clusterStatus(c.status),
  endpoint: c.endpoint ?? '',
  nodeCount: nodeCountOf(c),
});

/** Builds the GKE activities. */
export function gkeActivities(deps: GkeActivityDeps) {
  const { gke } = deps;
  const wait: WaitOptions = { pollMs: deps.pollMs ?? 2000, timeoutMs: deps.operationTimeoutMs ?? 30 * 60_000 };

  const getCluster = async (env: EnvRef): Promise<Cluster | undefined> => {
    try {
      return await gke.getCluster(clusterNameOf(env));
    } catch (e) {
      if (grpcCode(e) === Code.NOT_FOUND) return undefined;
      throw gkeError(e, { cluster: clusterNameOf(env) });
    }
  };

  /** Polls the cluster until it is RUNNING (adopting one that is still provisioning or reconciling). */
  const waitRunning = async (env: EnvRef, step: string, operation?: string): Promise<Cluster> => {
    const name = clusterNameOf(env);
    const deadline = Date.now() + wait.timeoutMs;
    for (let polls = 1; ; polls++) {
      const c = await getCluster(env);
      if (!c)
        throw new IncompatibleOperationError(`cluster ${name} disappeared while waiting for it`, { cluster: name });
      const status = clusterStatus(c.status);
      heartbeat({ step, status, polls, ...(operation ? { operation } : {}) } satisfies GkeProgress);
      if (status === 'RUNNING') return c;
      if (status === 'ERROR')
        throw new ClusterFailedError(`cluster ${name} is in status ERROR: ${c.statusMessage ?? ''}`, { cluster: name });
      if (status === 'STOPPING')
        throw new IncompatibleOperationError(`cluster ${name} is being deleted; retry once it is gone`, {
          cluster: name,
        });
      if (Date.now() >= deadline) throw new OperationTimeoutError(`cluster ${name} still ${status}`, { cluster: name });
      await pause(wait.pollMs);
    }
  };

  /**
   * Runs a mutating call and waits for its operation, unless a previous attempt of this activity
   * already started one for the same step (heartbeat details): then it only waits for that one.
   * An operation GKE no longer knows (NOT_FOUND after a retry) counts as finished; callers
   * check the resulting state themselves.
   */
  const runOperation = async (
    env: EnvRef,
    step: string,
    start: () => Promise<{ name?: string | null }>,
  ): Promise<string> => {
    const ctx = { cluster: clusterNameOf(env), step };
    const resumed = resumeDetails<GkeProgress>();
    if (resumed?.step === step && resumed.operation) {
      try {
        await waitForOperation(gke, resumed.operation, step, wait, ctx);
      } catch (e) {
        if (!(e instanceof ResourceNotFoundError) || !e.context.operation) throw e;
      }
      return resumed.operation;
    }
    const op = await start().catch((e: unknown) => {
      throw gkeError(e, ctx);
    });
    const opName = operationName(parentOf(env), op);
    heartbeat({ operation: opName, step, status: 'PENDING' } satisfies GkeProgress);
    await waitForOperation(gke, opName, step, wait, ctx);
    return opName;
  };

  /** Creates or adopts; `raced` stops a second ALREADY_EXISTS round. */
  async function ensureCluster(input: EnsureClusterInput, raced = false): Promise<EnsureClusterResult> {
    const { env } = input;
    const name = clusterNameOf(env);
    const step = `create ${name}`;
    const resumed = resumeDetails<GkeProgress>();
    if (!(resumed?.operation && resumed.step === step)) {
      const existing = await getCluster(env);
      if (existing) {
        if (!belongsTo(env, existing.resourceLabels)) {
          throw new NameTakenError(
            `cluster ${name} already exists and does not belong to this environment (its gkeflow-env label differs or is missing)`,
            { cluster: name },
          );
        }
        return result(await waitRunning(env, step), false);
      }
    }
    let operation: string;
    try {
      operation = await runOperation(env, step, () => gke.createCluster(parentOf(env), clusterRequest(input)));
    } catch (e) {
      // ALREADY_EXISTS: an earlier attempt's create got through after all; adopt it (or refuse a foreign one).
      if (e instanceof NameTakenError && !raced) return ensureCluster(input, true);
      throw e;
    }
    return result(await waitRunning(env, step, operation), true);
  }

  return {
    /**
     * Creates the cluster, or adopts one of the same name carrying this environment's
     * `gkeflow-env` label. A cluster of that name without it ⇒ NameTakenError (non-retryable).
     */
    ensureCluster: (input: EnsureClusterInput) => ensureCluster(input),

    /** Sets a node pool's size and waits for the operation (setting the current size is a no-op operation). */
    async resizeNodePool(input: ResizeNodePoolInput): Promise<void> {
      const pool = `${clusterNameOf(input.env)}/nodePools/${input.pool}`;
      await runOperation(input.env, `resize ${pool} to ${input.nodeCount}`, () =>
        gke.setNodePoolSize(pool, input.nodeCount),
      );
    },

    /**
     * Deletes the environment's cluster and waits until the operation is done. NOT_FOUND ⇒
     * `{deleted:false}`. Refuses (NameTakenError) to delete a cluster without this environment's label.
     */
    async deleteCluster({ env }: { env: EnvRef }): Promise<DeleteClusterResult> {
      const name = clusterNameOf(env);
      const step = `delete ${name}`;
      const resumed = resumeDetails<GkeProgress>();
      if (!(resumed?.operation && resumed.step === step)) {
        const c = await getCluster(env);
        if (!c) return { deleted: false };
        if (!belongsTo(env, c.resourceLabels))
          throw new NameTakenError(
            `refusing to delete cluster ${name}: it does not carry this environment's gkeflow-env label`,
            { cluster: name },
          );
      }
      try {
        await runOperation(env, step, () => gke.deleteCluster(name));
      } catch (e) {
        // Deleted between our GetCluster and DeleteCluster (by an earlier attempt or the reaper).
        if (e instanceof ResourceNotFoundError && !e.context.operation) return { deleted: false };
        throw e;
      }
      return { deleted: true };
    },
  };
}
