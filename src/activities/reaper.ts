/**
 * The reaper's activities: list clusters (with labels and age) across projects and locations,
 * find the projects gkeflow knows, tell which environments still have an open workflow, and end
 * an expired live environment through its own `teardown` update. The Temporal calls use the
 * worker's client (Context.current().client) unless a test passes one.
 */
import { Context } from '@temporalio/activity';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { GkeClient } from '../clients/gke';
import { failure } from '../contract/temporal-failures';
import { envHash, SEARCH_ATTRIBUTES } from '../contract/labels';
import { artifactRepositoryOf } from '../envspec/image-ref';
import { imageDeletedOnTeardown } from '../contract/provision-input';
import { ENVIRONMENT_WORKFLOW, teardownUpdate, type TeardownResult } from '../contract/messages';
import type {
  ClusterSummary,
  EndEnvironmentInput,
  EnvironmentIdsByHashInput,
  EnvironmentResources,
  ListClustersInput,
  OpenEnvironmentsInput,
} from '../contract/reaper-io';
import type { ProvisionInput, ProvisionTuning } from '../contract/workflow-input';
import type { EnvironmentSpec, SpecApp } from '../contract/environment-spec';
import { gkeError } from '../clients/gke-errors';
import { locationName } from '../gke/resource-names';

export interface ReaperActivityDeps {
  gke: GkeClient;
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

/** Builds the reaper activities. */
export function reaperActivities(deps: ReaperActivityDeps) {
  const client = deps.client ?? (() => Context.current().client);
  const heartbeatMs = deps.heartbeatMs ?? 5000;
  return {
    /** ListClusters in one project and location (`-`: all), with labels, status and creation time. */
    async listClusters({ project, location }: ListClustersInput): Promise<ClusterSummary[]> {
      const parent = locationName(project, location);
      const clusters = await deps.gke.listClusters(parent).catch((e: unknown) => {
        throw gkeError(e, { cluster: parent });
      });
      return clusters.map((c) => ({
        project,
        location: c.location || location,
        name: c.name ?? '',
        status: String(c.status ?? 'STATUS_UNSPECIFIED'),
        labels: { ...(c.resourceLabels ?? {}) },
        createdAtMs: epochMs(c.createTime),
      }));
    },

    /** The projects of every environment Temporal knows (GkeflowProject), plus GKEFLOW_PROJECTS; sorted. */
    async knownProjects(): Promise<string[]> {
      const found = new Set(projectsFromEnv(deps.env));
      for await (const wf of client().workflow.list({ query: `WorkflowType = '${ENVIRONMENT_WORKFLOW}'` })) {
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
      for (const id of ids) {
        let spec: ProvisionInput['spec'] | undefined;
        let tuning: ProvisionInput['tuning'];
        try {
          const h = c.workflow.getHandle(id);
          if ((await h.describe()).type !== ENVIRONMENT_WORKFLOW) continue; // WorkflowNotFoundError when none
          const history = await h.fetchHistory();
          const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
          if (started?.workflowType?.name !== ENVIRONMENT_WORKFLOW) continue;
          const input = await decodeFromPayloadsAtIndex<ProvisionInput>(
            c.options.loadedDataConverter,
            0,
            started.input?.payloads,
          );
          spec = input?.spec;
          tuning = input?.tuning;
        } catch (e) {
          if (e instanceof WorkflowNotFoundError) continue;
          throw e;
        }
        if (spec?.app) {
          out[id] = appResources(spec, spec.app, tuning);
          Context.current().heartbeat(id);
          continue;
        }
        if (!spec?.deployment || !spec.service) continue;
        const image = imageDeletedOnTeardown(spec, tuning);
        const repository = image && artifactRepositoryOf(image.repository)?.name;
        out[id] = {
          namespace: spec.deployment.namespace,
          service: spec.service.name,
          deployment: spec.deployment.name,
          ...(image ? { image } : {}),
          ...(repository ? { repository } : {}),
        };
        Context.current().heartbeat(id);
      }
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
     * Ends a live environment through its own `teardown` update and waits for the result. The
     * update id is fixed, so two reapers asking at once share one teardown.
     */
    async endEnvironment({ envId, reason }: EndEnvironmentInput): Promise<TeardownResult> {
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
          throw failure('EnvironmentClosingError', `${envId} could not be ended through its workflow: ${e.message}`);
        throw e;
      } finally {
        clearInterval(timer);
      }
    },
  };
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
