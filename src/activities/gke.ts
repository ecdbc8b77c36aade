/**
 * GKE activities: ensure (create or adopt) a cluster, resize a node pool, delete a cluster.
 * Every create/resize/delete records its operation in the heartbeat first, so a retry after a
 * crash or timeout waits for that operation instead of issuing a second one.
 */
import { status as Code } from '@grpc/grpc-js';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Cluster, GkeClient } from '../clients/gke';
import { belongsTo, LABELS, managedLabels } from '../contract/labels';
import {
  ClusterFailedError,
  IncompatibleOperationError,
  NameTakenError,
  OperationTimeoutError,
  ResourceNotFoundError,
} from '../contract/activity-errors';
import { gkeError, grpcCode } from '../clients/gke-errors';
import {
  awaitOperation,
  clusterStatus,
  operationError,
  operationName,
  waitForOperation,
  type GkeProgress,
  type WaitOptions,
} from './gke-operations';
import { heartbeat, pause, resumeDetails } from './progress';
import { hasControlPlane, releaseLoadBalancers } from './load-balancers';
import type {
  DeleteClusterResult,
  EnsureClusterInput,
  EnsureClusterResult,
  ResizeNodePoolInput,
} from '../contract/cluster-io';
import type { EnvRef } from '../contract/environment-id';
import type { TeardownGuard } from '../contract/reaper-io';
import { clusterName, locationName } from '../gke/resource-names';
import { workloadPoolOf } from '../gke/cluster-shapes';

export interface GkeActivityDeps {
  gke: GkeClient;
  /** How often to poll operations and cluster status (default 2 s). */
  pollMs?: number;
  /** Wait budget for one operation (default 30 min; GKE creates take 3–10 min). */
  operationTimeoutMs?: number;
  /**
   * How long deleteCluster waits for another operation on the cluster (a create, an upgrade, a
   * resize) to end before GKE accepts the delete (default 45 min, across retries of the activity).
   */
  busyTimeoutMs?: number;
  /**
   * The KubeConfig of an environment's cluster: deleteCluster releases the cluster's load
   * balancers through it first. Without it, a cluster with a control plane is not deleted.
   */
  kubeFor?: (env: EnvRef) => Promise<KubeConfig>;
  /** Wait budget for the load balancers' release before a delete (default 10 min). */
  releaseTimeoutMs?: number;
  /**
   * The re-check deleteCluster runs itself right before it releases the load balancers and right
   * before each DeleteCluster call (see reaper.ts clusterDeleteCheck): resolved once per attempt,
   * undefined when the caller asks for none; a check throws (TeardownRefusedError) to refuse.
   * `guard`: the one deleteCluster was given (else the check reads its caller's).
   */
  deleteCheck?: (guard?: TeardownGuard) => Promise<((env: EnvRef) => Promise<void>) | undefined>;
}

/** The scope nodes get unless the spec says otherwise: what they may call is then up to the node's IAM. */
export const NODE_OAUTH_SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];

/** `projects/P/locations/L` */
export const parentOf = (env: EnvRef) => locationName(env.project, env.location);
/** `projects/P/locations/L/clusters/C` */
export const clusterNameOf = (env: EnvRef) => clusterName(env);

/** The Cluster GKE is asked to create for an environment. */
export function createClusterRequestOf(input: EnsureClusterInput): Cluster {
  const autopilot = input.mode === 'autopilot';
  const pools = input.nodePools.map((p) => ({
    name: p.name,
    initialNodeCount: p.nodeCount,
    config: {
      machineType: p.machineType,
      ...(p.diskSizeGb ? { diskSizeGb: p.diskSizeGb } : {}),
      ...(p.labels ? { labels: p.labels } : {}),
      // Without a scope GKE gives API-created nodes none that can pull from Artifact Registry.
      oauthScopes: NODE_OAUTH_SCOPES,
      ...(input.serviceAccount ? { serviceAccount: input.serviceAccount } : {}),
      // Workload Identity: pods get their Google identity from GKE's metadata server, not the node's.
      ...(input.workloadIdentity ? { workloadMetadataConfig: { mode: 'GKE_METADATA' as const } } : {}),
      ...(p.accelerators?.length
        ? {
            accelerators: p.accelerators.map((a) => ({
              acceleratorType: a.type,
              acceleratorCount: a.count,
              gpuDriverInstallationConfig: { gpuDriverVersion: a.gpuDriverVersion },
            })),
          }
        : {}),
      ...(p.spot ? { spot: true } : {}),
      ...(p.taints?.length ? { taints: p.taints } : {}),
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
    // VPC-native (alias IPs), as GKE's console and gcloud create clusters today.
    ipAllocationPolicy: {
      useIpAliases: true,
      ...(input.secondaryRanges
        ? {
            clusterSecondaryRangeName: input.secondaryRanges.cluster,
            servicesSecondaryRangeName: input.secondaryRanges.services,
          }
        : {}),
    },
    ...(input.network ? { network: input.network } : {}),
    ...(input.subnetwork ? { subnetwork: input.subnetwork } : {}),
    ...(input.workloadIdentity ? { workloadIdentityConfig: { workloadPool: workloadPoolOf(input.env.project) } } : {}),
    ...(input.privateNodes ? { privateClusterConfig: { enablePrivateNodes: true } } : {}),
    ...(input.controlPlaneEndpoints
      ? {
          controlPlaneEndpointsConfig: {
            dnsEndpointConfig: { allowExternalTraffic: input.controlPlaneEndpoints.allowExternalTraffic },
            ipEndpointsConfig: { enablePublicEndpoint: input.controlPlaneEndpoints.enablePublicEndpoint },
          },
        }
      : {}),
  };
}

/** Nodes in all zones: GKE's node counts are per zone (a regional cluster has three zones). */
const nodeCountOf = (c: Cluster) =>
  c.currentNodeCount ||
  (c.nodePools ?? []).reduce(
    (n, p) => n + (p.initialNodeCount ?? 0) * Math.max(1, (p.locations ?? c.locations ?? []).length),
    0,
  );

const result = (c: Cluster, created: boolean): EnsureClusterResult => ({
  created,
  status: clusterStatus(c.status),
  endpoint: c.endpoint ?? '',
  nodeCount: nodeCountOf(c),
  zones: Math.max(1, (c.locations ?? []).length),
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
   * already started one for the same step (heartbeat details): then it waits for that one. An
   * operation GKE no longer knows (NOT_FOUND after a retry) counts as finished; callers check the
   * resulting state themselves. One that ended with an error failed the previous attempt, and
   * waiting for it again would fail this one the same way: the call is issued anew.
   */
  const runOperation = async (
    env: EnvRef,
    step: string,
    start: () => Promise<{ name?: string | null }>,
    resume = true,
    /** Runs right before the call is issued (not when a previous attempt's operation is awaited); its errors pass as they are. */
    before?: () => Promise<void>,
  ): Promise<string> => {
    const ctx = { cluster: clusterNameOf(env), step };
    const resumed = resume ? resumeDetails<GkeProgress>() : undefined;
    if (resumed?.step === step && resumed.operation) {
      let failed = false;
      try {
        const op = await awaitOperation(gke, resumed.operation, step, wait, ctx);
        failed = operationError(op, resumed.operation, ctx) !== undefined;
      } catch (e) {
        if (!(e instanceof ResourceNotFoundError) || !e.context.operation) throw e;
      }
      if (!failed) return resumed.operation;
      heartbeat({ step, status: 'REISSUE' } satisfies GkeProgress);
    }
    await before?.();
    const op = await start().catch((e: unknown) => {
      throw gkeError(e, ctx);
    });
    const opName = operationName(parentOf(env), op);
    heartbeat({ operation: opName, step, status: 'PENDING' } satisfies GkeProgress);
    await waitForOperation(gke, opName, step, wait, ctx);
    return opName;
  };

  /** A previous attempt's operation for this step that is still worth waiting for (not one that failed). */
  const resumable = (step: string): boolean => {
    const resumed = resumeDetails<GkeProgress>();
    return Boolean(resumed?.operation && resumed.step === step);
  };

  /**
   * An adopted cluster takes this run's expiry and owner (it may carry a terminated run's: an
   * expiry in the past would make the reaper end a fresh environment, a 30-day one outlive a 1-hour one).
   */
  async function relabelAdopted(env: EnvRef, labels: Record<string, string>): Promise<void> {
    const wanted = Object.fromEntries(
      [LABELS.expiresAt, LABELS.owner].filter((k) => labels[k] !== undefined).map((k) => [k, labels[k]!]),
    );
    const c = await getCluster(env);
    const current = (c?.resourceLabels ?? {}) as Record<string, string>;
    if (!c || Object.entries(wanted).every(([k, v]) => current[k] === v)) return;
    const name = clusterNameOf(env);
    await runOperation(env, `relabel ${name}`, () =>
      gke.setLabels(name, { ...current, ...wanted }, c.labelFingerprint ?? ''),
    );
  }

  /** Creates or adopts; `raced` stops a second ALREADY_EXISTS round (and looks at the cluster afresh). */
  async function ensureCluster(input: EnsureClusterInput, raced = false): Promise<EnsureClusterResult> {
    const { env } = input;
    const name = clusterNameOf(env);
    const step = `create ${name}`;
    if (raced || !resumable(step)) {
      const existing = await getCluster(env);
      if (existing) {
        if (!belongsTo(env, existing.resourceLabels)) {
          throw new NameTakenError(
            `cluster ${name} already exists and does not belong to this environment (its gkeflow-env label differs or is missing)`,
            { cluster: name },
          );
        }
        const owner = input.labels?.[LABELS.owner];
        const theirs = existing.resourceLabels?.[LABELS.owner];
        if (owner && theirs && theirs !== owner)
          throw new NameTakenError(
            `cluster ${name} already exists and belongs to another gkeflow installation (gkeflow-owner ${theirs}, this one is ${owner})`,
            { cluster: name },
          );
        const running = await waitRunning(env, step);
        await relabelAdopted(env, input.labels ?? {});
        return result(running, false);
      }
    }
    let operation: string;
    try {
      operation = await runOperation(
        env,
        step,
        () => gke.createCluster(parentOf(env), createClusterRequestOf(input)),
        !raced,
      );
    } catch (e) {
      // ALREADY_EXISTS: an earlier attempt's create got through after all; adopt it (or refuse a foreign one).
      if (e instanceof NameTakenError && !raced) return ensureCluster(input, true);
      throw e;
    }
    return result(await waitRunning(env, step, operation), true);
  }

  /**
   * Deletes, waiting out another operation on the cluster: GKE refuses DeleteCluster
   * (FAILED_PRECONDITION) while a create, an upgrade or a resize runs, and a create takes 5–15
   * minutes. The wait polls GetCluster with heartbeats; its start is kept in them, so retries of
   * the activity share one budget.
   */
  async function deleteWhenIdle(
    env: EnvRef,
    step: string,
    check?: (env: EnvRef) => Promise<void>,
  ): Promise<DeleteClusterResult> {
    const name = clusterNameOf(env);
    const since = resumeDetails<GkeProgress>()?.busySince ?? Date.now();
    const deadline = since + (deps.busyTimeoutMs ?? 45 * 60_000);
    for (let polls = 1; ; polls++) {
      try {
        // Right before the call: a verdict that no longer holds deletes nothing (its refusal passes as it is).
        await runOperation(env, step, () => gke.deleteCluster(name), true, check && (() => check(env)));
        return { deleted: true };
      } catch (e) {
        // Deleted between our GetCluster and DeleteCluster (by an earlier attempt or the reaper).
        if (e instanceof ResourceNotFoundError && !e.context.operation) return { deleted: false };
        // Refused because the cluster is busy: a refusal of the call itself, not a failed operation.
        if (!(e instanceof IncompatibleOperationError) || e.context.operation) throw e;
        if (Date.now() >= deadline)
          throw new OperationTimeoutError(
            `cluster ${name} was still busy with another operation after ${Math.round((Date.now() - since) / 60_000)} min; ${e.message}`,
            { cluster: name, step },
          );
      }
      // Wait until GKE's operation is over: the cluster leaves PROVISIONING/RECONCILING.
      for (;;) {
        heartbeat({ step, status: 'WAITING_FOR_OPERATION', polls, busySince: since } satisfies GkeProgress);
        await pause(wait.pollMs);
        const c = await getCluster(env);
        if (!c) return { deleted: false };
        const status = clusterStatus(c.status);
        if ((status !== 'PROVISIONING' && status !== 'RECONCILING') || Date.now() >= deadline) break;
      }
    }
  }

  /**
   * Deletes every LoadBalancer Service of the cluster and waits until their load balancers are
   * released (see load-balancers.ts): GKE would leave them billed after DeleteCluster. Skipped
   * only for a cluster without a control plane (nothing in it can hold one) or one GKE already
   * deletes (STOPPING: too late to ask).
   */
  const releases = (c: Cluster) => hasControlPlane(c) && clusterStatus(c.status) !== 'STOPPING';
  const releaseBefore = async (env: EnvRef, c: Cluster): Promise<void> => {
    const name = clusterNameOf(env);
    if (!releases(c)) return;
    const kubeFor = deps.kubeFor;
    if (!kubeFor)
      throw new IncompatibleOperationError(
        `refusing to delete cluster ${name}: its load balancers cannot be released (no Kubernetes access configured)`,
        { cluster: name },
      );
    await releaseLoadBalancers({
      kubeConfig: () => kubeFor(env),
      cluster: name,
      pollMs: wait.pollMs,
      timeoutMs: deps.releaseTimeoutMs ?? 10 * 60_000,
    });
  };

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
     * Deletes the environment's cluster and waits until the operation is done: first releases
     * every LoadBalancer Service in it (any namespace; fails closed when the Kubernetes API
     * cannot be asked), then waits out any other operation on it. NOT_FOUND ⇒ `{deleted:false}`.
     * Refuses (NameTakenError) to delete a cluster without this environment's label. With a
     * deleteCheck (a reaper's teardown), re-checks the reaper's verdict itself before releasing
     * the load balancers (when there are any to release) and right before each DeleteCluster call.
     */
    async deleteCluster({ env, guard }: { env: EnvRef; guard?: TeardownGuard }): Promise<DeleteClusterResult> {
      const name = clusterNameOf(env);
      const step = `delete ${name}`;
      const check = await deps.deleteCheck?.(guard);
      if (!resumable(step)) {
        const c = await getCluster(env);
        if (!c) return { deleted: false };
        if (!belongsTo(env, c.resourceLabels))
          throw new NameTakenError(
            `refusing to delete cluster ${name}: it does not carry this environment's gkeflow-env label`,
            { cluster: name },
          );
        // Before releasing load balancers (a delete too); with none to release, the re-check
        // right before DeleteCluster follows at once and is the one that counts.
        if (releases(c)) {
          await check?.(env);
          await releaseBefore(env, c);
        }
      }
      return deleteWhenIdle(env, step, check);
    },
  };
}
