/**
 * The reaper's activities: list clusters (with labels and age) across projects and locations,
 * find the projects gkeflow knows, tell which environments still have an open workflow, and end
 * an expired live environment through its own `teardown` update. The Temporal calls use the
 * worker's client (Context.current().client) unless a test passes one.
 */
import { Context } from '@temporalio/activity';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Cluster, GkeClient } from '../clients/gke';
import { failure } from '../contract/temporal-failures';
import { status as Code } from '@grpc/grpc-js';
import { belongsTo, envHash, LABELS, MANAGED_BY_VALUE, SEARCH_ATTRIBUTES } from '../contract/labels';
import { ownershipDoubt } from '../contract/ownership';
import { InvalidArgumentError, ResourceNotFoundError, TeardownRefusedError } from '../contract/activity-errors';
import { envRef, parseEnvId, type EnvRef } from '../contract/environment-id';
import { artifactRepositoryOf } from '../envspec/image-ref';
import { imageDeletedOnTeardown } from '../contract/provision-input';
import { ENVIRONMENT_WORKFLOW, TEARDOWN_WORKFLOW, teardownUpdate, type TeardownResult } from '../contract/messages';
import { clusterCursor, clusterTableOf, EXPIRED_REASON } from '../contract/reaper-io';
import type {
  CheckTeardownInput,
  TeardownGuard,
  ClusterSummary,
  EndEnvironmentInput,
  EnvironmentIdsByHashInput,
  EnvironmentResources,
  ListClustersInput,
  ListClusterTableInput,
  ClusterTable,
  ListNamespacesInput,
  ListNamespacesBatchInput,
  NamespacesBatch,
  OpenEnvironmentsInput,
} from '../contract/reaper-io';
import type { KubeConfig, V1Namespace } from '@kubernetes/client-node';
import { kubeLib } from '../clients/kube-lib';
import { kubeError, kubeStatus } from '../clients/kube-errors';
import { hasControlPlane } from './load-balancers';
import type { ProvisionInput, ProvisionTuning } from '../contract/workflow-input';
import type { EnvironmentSpec, SpecApp } from '../contract/environment-spec';
import { gkeError, grpcCode } from '../clients/gke-errors';
import { locationName } from '../gke/resource-names';
import { isUpdateUnsupported, MIN_SERVER_FOR_UPDATE } from '../temporal/update-support';

export interface ReaperActivityDeps {
  gke: GkeClient;
  /** The KubeConfig of a cluster (namespace environments are judged by their namespace's labels). */
  kubeFor?: (env: EnvRef) => Promise<KubeConfig>;
  /** A Temporal client; default the worker's (Context.current().client). */
  client?: () => Client;
  /** Where GKEFLOW_PROJECTS is read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** How often endEnvironment heartbeats while the environment tears down (ms). Default 5000. */
  heartbeatMs?: number;
}

/** The projects named in GKEFLOW_PROJECTS (comma or space separated). */
export function projectsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.GKEFLOW_PROJECTS ?? '').split(/[\s,]+/).filter(Boolean);
}

const epochMs = (t: string | null | undefined): number => {
  const ms = t ? Date.parse(t) : NaN;
  return Number.isFinite(ms) ? ms : 0;
};

/** How many clusters listNamespacesBatch asks at once. */
export const NAMESPACE_PARALLELISM = 8;

/** Heartbeats when run as an activity (a test may call the function directly). */
function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // not in an activity
  }
}

/** How many histories environmentResources reads at once. */
export const RESOURCES_PARALLELISM = 8;

/** Builds the reaper activities. */
export function reaperActivities(deps: ReaperActivityDeps) {
  const client = deps.client ?? (() => Context.current().client);
  const heartbeatMs = deps.heartbeatMs ?? 5000;
  /** checkTeardown's cluster half: fresh GetCluster; a gone cluster passes. */
  const recheckCluster = async (env: EnvRef, guard: TeardownGuard): Promise<void> => {
    const name = `${locationName(env.project, env.location)}/clusters/${env.cluster}`;
    let c;
    try {
      c = await deps.gke.getCluster(name);
    } catch (e) {
      if (grpcCode(e) === Code.NOT_FOUND) return;
      throw gkeError(e, { cluster: name });
    }
    judge(env, guard, { ...(c.resourceLabels ?? {}) } as Record<string, string>, epochMs(c.createTime));
  };
  /** checkTeardown's half for a namespace environment: a fresh read of its namespace; a gone cluster or namespace passes. */
  const recheckNamespace = async (env: EnvRef, guard: TeardownGuard): Promise<void> => {
    const ns = await readNamespace(env);
    if (ns)
      judge(env, guard, { ...(ns.metadata?.labels ?? {}) }, epochMs(ns.metadata?.creationTimestamp?.toISOString()));
  };
  /** The namespace environment's namespace now, or undefined when it or its cluster is gone. */
  const readNamespace = async (env: EnvRef): Promise<V1Namespace | undefined> => {
    if (!deps.kubeFor || !env.namespace)
      throw new TeardownRefusedError(`${env.id}: its namespace cannot be read here`, {});
    const kc = await deps.kubeFor(env).catch((e: unknown) => {
      if (e instanceof ResourceNotFoundError && e.context.cluster) return undefined;
      throw e;
    });
    if (!kc) return undefined;
    return kc
      .makeApiClient((await kubeLib()).CoreV1Api)
      .readNamespace({ name: env.namespace })
      .catch((e: unknown) => {
        if (kubeStatus(e) === 404) return undefined;
        throw kubeError(e, { kind: 'Namespace', name: env.namespace });
      });
  };
  /** The labels' verdict (fail closed): gkeflow's, this environment's, unprotected, this owner's, of known age, still expired. */
  const judge = (env: EnvRef, guard: TeardownGuard, labels: Record<string, string>, createdAtMs: number): void => {
    const refuse = (why: string): never => {
      throw new TeardownRefusedError(`${env.id}: ${why}`, { cluster: env.cluster });
    };
    if (labels[LABELS.managedBy] !== MANAGED_BY_VALUE || !belongsTo(env, labels))
      refuse("it no longer carries gkeflow's managed-by and this environment's gkeflow-env labels");
    if (labels[LABELS.protect] === 'true') refuse('it is labelled gkeflow-protect: "true"');
    const doubt = ownershipDoubt({ labels, createdAtMs }, guard.owner);
    if (doubt) refuse(doubt);
    const expiresAt = Number(labels[LABELS.expiresAt]) * 1000;
    if (guard.reason === EXPIRED_REASON && !(expiresAt <= Date.now()))
      refuse(`it is no longer expired (gkeflow-expires-at ${labels[LABELS.expiresAt] ?? 'absent'})`);
  };

  /**
   * checkTeardown: the open run (a fresh Describe), then the cluster (fresh GetCluster) unless the
   * guard says there is none.
   */
  const checkTeardown = async ({ env, guard }: CheckTeardownInput): Promise<void> => {
    try {
      const d = await client().workflow.getHandle(env.id).describe();
      if (d.status.name === 'RUNNING' && d.type === ENVIRONMENT_WORKFLOW)
        throw new TeardownRefusedError(`${env.id}: its environment workflow is open`, { cluster: env.cluster });
    } catch (e) {
      if (!(e instanceof WorkflowNotFoundError)) throw e;
    }
    if (env.namespace) await recheckNamespace(env, guard);
    else if (guard.cluster) await recheckCluster(env, guard);
  };

  /**
   * The guard of the teardownWorkflow this activity runs for (a reaper's, from the run's own
   * input), else undefined: a teardown without one, any other workflow, or no activity context.
   */
  const callerGuard = async (): Promise<TeardownGuard | undefined> => {
    let info;
    try {
      info = Context.current().info;
    } catch {
      return undefined; // called outside a worker (a test calling the function directly)
    }
    const run = info.workflowExecution;
    if (info.workflowType !== TEARDOWN_WORKFLOW || !run) return undefined;
    const c = client();
    const { workflowId, runId } = run;
    const history = await c.workflow.getHandle(workflowId, runId).fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const input = await decodeFromPayloadsAtIndex<{ guard?: TeardownGuard } | undefined>(
      c.options.loadedDataConverter,
      0,
      started?.input?.payloads,
    );
    return input?.guard;
  };

  /**
   * The namespaces labelled managed-by: gkeflow on one cluster (any cluster, gkeflow's or not:
   * namespace environments live on clusters they did not create), as the reaper judges them.
   * A cluster without a control plane has none; one whose API fails is an error (fail closed).
   */
  const listNamespaces = async ({ project, location, cluster }: ListNamespacesInput): Promise<ClusterSummary[]> => {
    const name = `${locationName(project, location)}/clusters/${cluster}`;
    const c = await deps.gke.getCluster(name).catch((e: unknown) => {
      if (grpcCode(e) === Code.NOT_FOUND) return undefined;
      throw gkeError(e, { cluster: name });
    });
    if (!c || !hasControlPlane(c) || !deps.kubeFor) return [];
    const kc = await deps.kubeFor(envRef({ project, location, cluster }));
    const list = await kc
      .makeApiClient((await kubeLib()).CoreV1Api)
      .listNamespace({ labelSelector: `${LABELS.managedBy}=${MANAGED_BY_VALUE}` })
      .catch((e: unknown) => {
        throw kubeError(e, { cluster: name, kind: 'Namespace', step: 'list gkeflow namespaces' });
      });
    return list.items.map((n) => ({
      project,
      location,
      name: cluster,
      namespace: n.metadata?.name ?? '',
      status: n.metadata?.deletionTimestamp ? 'STOPPING' : 'RUNNING',
      labels: { ...(n.metadata?.labels ?? {}) },
      createdAtMs: epochMs(n.metadata?.creationTimestamp?.toISOString()),
    }));
  };

  return {
    /**
     * deleteCluster's own re-check (the guard deleteCluster was given, else the one read from the
     * calling teardownWorkflow's input): for a reaper's teardown, checkTeardown's rules, run by
     * deleteCluster right before it releases load balancers and right before DeleteCluster,
     * closing the window after the workflow's checkTeardown. Undefined for every other caller.
     */
    async clusterDeleteCheck(given?: TeardownGuard): Promise<((env: EnvRef) => Promise<void>) | undefined> {
      // Handed over by the teardown (PATCHES.teardownOneGuard), else read from its input.
      const guard = given ?? (await callerGuard());
      if (!guard?.cluster) return undefined;
      return (env: EnvRef) => checkTeardown({ env, guard });
    },

    /**
     * ListClusters in one project and location (`-`: all), with labels, status and creation time;
     * with `limit`, one page of them (clusterCursor order, after `after`) with gkeflow's labels
     * only, so no result grows with the project (GKE itself answers all of them at once).
     */
    async listClusters({ project, location, limit, after }: ListClustersInput): Promise<ClusterSummary[]> {
      const parent = locationName(project, location);
      const clusters = await deps.gke.listClusters(parent).catch((e: unknown) => {
        throw gkeError(e, { cluster: parent });
      });
      const all = clusters.map((c) => clusterSummary(project, location, c));
      if (limit === undefined) return all;
      const keyed = all.map((c): [string, ClusterSummary] => [clusterCursor(c), c]);
      return keyed
        .filter(([k]) => after === undefined || k > after)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .slice(0, limit)
        .map(([, c]) => ({ ...c, labels: gkeflowLabels(c.labels) }));
    },

    /**
     * Every cluster of one project and location (`-`: all) in one compact result (ClusterTable):
     * GKE's ListClusters has no pages, so the reaper lists each project once per run. Heartbeats
     * while GKE answers; a table past MAX_TABLE_BYTES fails (the project is reported, nothing of
     * it is reaped) rather than a result the server would refuse.
     */
    async listClusterTable({ project, location }: ListClusterTableInput): Promise<ClusterTable> {
      const parent = locationName(project, location);
      const timer = setInterval(() => heartbeat(parent), heartbeatMs);
      let clusters;
      try {
        clusters = await deps.gke.listClusters(parent).catch((e: unknown) => {
          throw gkeError(e, { cluster: parent });
        });
      } finally {
        clearInterval(timer);
      }
      const table = clusterTableOf(
        clusters.map((c) => clusterSummary(project, location, c)),
        [...GKEFLOW_LABELS].sort(),
        (_, i) => hasControlPlane(clusters[i]!),
      );
      const bytes = Buffer.byteLength(JSON.stringify(table));
      if (bytes > MAX_TABLE_BYTES)
        throw new InvalidArgumentError(
          `${parent}: ${table.rows.length} clusters make a ${bytes}-byte list, past the reaper's ${MAX_TABLE_BYTES} (give the reaper its locations one by one)`,
          { cluster: parent },
        );
      return table;
    },

    /** The namespaces labelled managed-by: gkeflow on one cluster (see the function above). */
    listNamespaces: (input: ListNamespacesInput): Promise<ClusterSummary[]> => listNamespaces(input),

    /**
     * listNamespaces on many clusters (NAMESPACE_PARALLELISM at once), heartbeating after each: one
     * activity for a batch instead of one per cluster. A cluster whose namespaces cannot be listed
     * is returned in `failed` with its error (its namespace environments are left alone).
     */
    async listNamespacesBatch({ clusters }: ListNamespacesBatchInput): Promise<NamespacesBatch> {
      const out: NamespacesBatch = { namespaces: [], failed: [] };
      const queue = [...clusters];
      const lane = async () => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          try {
            out.namespaces.push(...(await listNamespaces(c)));
          } catch (e) {
            out.failed.push({ ...c, cause: `${(e as Error).name}: ${(e as Error).message}` });
          }
          heartbeat(c.cluster);
        }
      };
      await Promise.all(Array.from({ length: Math.min(NAMESPACE_PARALLELISM, clusters.length) }, lane));
      return out;
    },

    /**
     * The projects of every environment Temporal knows (GkeflowProject) of this worker's target,
     * plus GKEFLOW_PROJECTS; sorted. An environment runs on its target's task queue, the reaper on
     * its own: environments of another queue (the local examples' projects, for a gcp reaper) are
     * not this target's and are left out.
     */
    async knownProjects(): Promise<string[]> {
      const found = new Set(projectsFromEnv(deps.env));
      let taskQueue: string | undefined;
      try {
        taskQueue = Context.current().info.taskQueue;
      } catch {
        taskQueue = undefined; // called outside a worker (a test): every environment
      }
      for await (const wf of client().workflow.list({ query: `WorkflowType = '${ENVIRONMENT_WORKFLOW}'` })) {
        if (taskQueue !== undefined && wf.taskQueue !== taskQueue) continue;
        const p = wf.typedSearchAttributes.get(SEARCH_ATTRIBUTES.project);
        if (p) found.add(p);
      }
      return [...found].sort();
    },

    /**
     * Which of these environments have an open (running) environment workflow. Asks for each id
     * directly (describe is consistent, unlike the visibility list, which may lag a fresh start).
     */
    async openEnvironments({ ids }: OpenEnvironmentsInput): Promise<string[]> {
      const c = client();
      const open: string[] = [];
      const queue = [...ids];
      const worker = async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          try {
            const d = await c.workflow.getHandle(id).describe();
            if (d.status.name === 'RUNNING' && d.type === ENVIRONMENT_WORKFLOW) open.push(id);
          } catch (e) {
            if (!(e instanceof WorkflowNotFoundError)) throw e;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(10, ids.length) }, worker));
      return open.sort();
    },

    /**
     * The Service, Deployment and (when it is to be deleted) image tag of each environment, read
     * from its latest run's input, so an orphan's teardown deletes the LoadBalancer Service before
     * the cluster (a deleted cluster leaks its Service's load balancer). Ids without a history are left out.
     */
    async environmentResources({ ids }: OpenEnvironmentsInput): Promise<Record<string, EnvironmentResources>> {
      const c = client();
      const out: Record<string, EnvironmentResources> = {};
      const one = async (id: string): Promise<void> => {
        let spec: ProvisionInput['spec'] | undefined;
        let tuning: ProvisionInput['tuning'];
        try {
          const h = c.workflow.getHandle(id);
          if ((await h.describe()).type !== ENVIRONMENT_WORKFLOW) return; // WorkflowNotFoundError when none
          const history = await h.fetchHistory();
          const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
          if (started?.workflowType?.name !== ENVIRONMENT_WORKFLOW) return;
          const input = await decodeFromPayloadsAtIndex<ProvisionInput>(
            c.options.loadedDataConverter,
            0,
            started.input?.payloads,
          );
          spec = input?.spec;
          tuning = input?.tuning;
        } catch (e) {
          if (e instanceof WorkflowNotFoundError) return;
          throw e;
        }
        if (spec?.app) {
          out[id] = appResources(spec, spec.app, tuning);
          return;
        }
        if (!spec?.deployment || !spec.service) return;
        const image = imageDeletedOnTeardown(spec, tuning);
        const repository = image && artifactRepositoryOf(image.repository)?.name;
        out[id] = {
          namespace: spec.deployment.namespace,
          service: spec.service.name,
          deployment: spec.deployment.name,
          ...(image ? { image } : {}),
          ...(repository ? { repository } : {}),
        };
      };
      // Histories are read RESOURCES_PARALLELISM at a time (one after another, a few hundred would
      // outlast the activity's timeout); each one done heartbeats.
      const queue = [...ids];
      const lane = async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          await one(id);
          Context.current().heartbeat(id);
        }
      };
      await Promise.all(Array.from({ length: Math.min(RESOURCES_PARALLELISM, ids.length) }, lane));
      return out;
    },

    /**
     * The environment ids (any run, open or closed, that Temporal still keeps) whose envHash is
     * one of these gkeflow-env label values: a label holds only the hash, so a repository left by
     * a run is matched to its environment through the runs Temporal knows. Hashes without a run are left out.
     */
    async environmentIdsByHash({ hashes }: EnvironmentIdsByHashInput): Promise<Record<string, string>> {
      const wanted = new Set(hashes);
      const out: Record<string, string> = {};
      if (wanted.size === 0) return out;
      for await (const wf of client().workflow.list({ query: `WorkflowType = '${ENVIRONMENT_WORKFLOW}'` })) {
        const h = envHash(wf.workflowId);
        if (wanted.has(h)) out[h] = wf.workflowId;
      }
      return out;
    },

    /**
     * Re-checks a reaper's verdict right before a delete (fresh GetCluster and Describe): throws
     * TeardownRefusedError when the environment's workflow is open again, or the cluster is no
     * longer gkeflow's, is protected, not this owner's, of unknown age, or — for `expired` — no
     * longer expired. A cluster that is gone passes (its deletes are no-ops).
     */
    checkTeardown: (input: CheckTeardownInput): Promise<void> => checkTeardown(input),

    /**
     * Ends a live environment through its own `teardown` update and waits for the result. The
     * update id is fixed, so two reapers asking at once share one teardown. With `owner`, the
     * cluster is re-checked first (checkTeardown's rules but the open run, which is the point here).
     */
    async endEnvironment({ envId, reason, owner }: EndEnvironmentInput): Promise<TeardownResult> {
      if (owner !== undefined) {
        const env = parseEnvId(envId);
        if (!env) throw new TeardownRefusedError(`${envId}: not an environment id`, {});
        if (env.namespace) await recheckNamespace(env, { owner, reason, cluster: true });
        else await recheckCluster(env, { owner, reason, cluster: true });
      }
      const h = client().workflow.getHandle(envId);
      const ctx = Context.current();
      const timer = setInterval(() => ctx.heartbeat(), heartbeatMs);
      try {
        const update = await h.startUpdate(teardownUpdate, {
          args: [{ reason }],
          updateId: `gkeflow-reaper-${reason}`,
          waitForStage: 'ACCEPTED',
        });
        return await update.result();
      } catch (e) {
        // The run closed or is already ending on its own (its validator refused): nothing to retry.
        if (e instanceof WorkflowUpdateFailedError || e instanceof WorkflowNotFoundError)
          throw failure(
            'EnvironmentClosingError',
            `${envId} could not be ended through its workflow: ${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}`,
          );
        if (isUpdateUnsupported(e)) {
          // Workflow Update is off on this server: cancel instead (the run cleans up on
          // cancellation), wait for it to close, and say that what it left is not known here.
          await h.cancel();
          await h.result().catch(() => undefined);
          throw failure(
            'EnvironmentClosingError',
            `${envId} was ended by cancellation: this Temporal refuses Workflow Update (Temporal Server >= ${MIN_SERVER_FOR_UPDATE} reports what a teardown left); its cleanup ran, and anything left stays labelled for the next reap`,
          );
        }
        throw e;
      } finally {
        clearInterval(timer);
      }
    },
  };
}

/**
 * The largest ClusterTable listClusterTable returns (bytes of JSON): well under Temporal's 2 MiB
 * payload limit, some 9,000 clusters in one project and location.
 */
export const MAX_TABLE_BYTES = 1024 * 1024;

/** A listed GKE cluster as the reaper judges it (every label kept; callers narrow them). */
function clusterSummary(project: string, location: string, c: Cluster): ClusterSummary {
  return {
    project,
    location: c.location || location,
    name: c.name ?? '',
    status: String(c.status ?? 'STATUS_UNSPECIFIED'),
    labels: { ...(c.resourceLabels ?? {}) },
    createdAtMs: epochMs(c.createTime),
  };
}

const GKEFLOW_LABELS: ReadonlySet<string> = new Set(Object.values(LABELS));

/** The labels the reaper judges a cluster by (gkeflow's own); the user's are left out of the page. */
function gkeflowLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => GKEFLOW_LABELS.has(k)));
}

/** The reaper's activity functions. */
export type ReaperActivities = ReturnType<typeof reaperActivities>;

/** What an app environment made: its ApplySet, its bundle and (by its rule) its image tag and repository. */
function appResources(spec: EnvironmentSpec, app: SpecApp, tuning: ProvisionTuning | undefined): EnvironmentResources {
  const image = imageDeletedOnTeardown(spec, tuning);
  const at = app.bundle?.indexOf('@') ?? -1;
  const bundle =
    app.bundle && at > 0 ? { repository: app.bundle.slice(0, at), digest: app.bundle.slice(at + 1) } : undefined;
  const repository = artifactRepositoryOf(image?.repository ?? bundle?.repository ?? '')?.name;
  return {
    namespace: app.namespace,
    app: true,
    ...(image ? { image } : {}),
    ...(bundle ? { bundle } : {}),
    ...(repository ? { repository } : {}),
  };
}
