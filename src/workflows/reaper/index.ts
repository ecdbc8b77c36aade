/**
 * The reaper: lists the clusters of the given projects and locations, and tears down those
 * gkeflow made that outlived their TTL or lost their workflow (see plan.ts). Each
 * teardown is a child teardownWorkflow whose id is derived from the cluster, so two reapers at
 * once start one teardown per cluster (the second start is refused and reported as skipped); an
 * expired environment whose workflow is still open is ended through its own teardown update.
 * The report is the result and the run's details in the Web UI.
 */
import {
  continueAsNew,
  ParentClosePolicy,
  patched,
  setCurrentDetails,
  startChild,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ClusterSummary, EnvironmentResources } from '../../contract/reaper-io';
import { envRef, formatEnvId } from '../../contract/environment-id';
import { stepSummary, type StepInput, type StepName, type StepResult } from '../../contract/steps';
import type { Leftover, TeardownResult } from '../../contract/messages';
import { describeError } from '../errors';
import type { ProvisionTuning } from '../../contract/workflow-input';
import { activityProxies, callStep } from '../proxies';
import {
  capReport,
  classify,
  entryOf,
  envIdOfCluster,
  isReapable,
  reportMarkdown,
  SKIP_REASONS,
  type ReapDecision,
  type ReapReport,
} from './plan';
import { classifyRepository, managedRepositoryHash, REPOSITORY_SCAN } from './repositories';
import { compactTodo, expandTodo, type CompactTodo } from './carry';
import { listAllClusters, listClusterTable, namespacesInBatches, openAmong, resourcesReader } from './batches';
import { teardownWorkflow } from '../teardown';
import { PATCHES } from '../versioning';
import { locationName } from '../../gke/resource-names';
import { envHash, LABELS } from '../../contract/labels';

/** Input of reaperWorkflow (a schedule's action carries it). */
export interface ReaperInput {
  /** Projects to scan; empty or absent: the projects of known environments plus extraProjects and the worker's GKEFLOW_PROJECTS. */
  projects?: string[];
  /** Added to the known projects when `projects` is empty (the CLI's GKEFLOW_PROJECTS). */
  extraProjects?: string[];
  /** Zones or regions; `-` (the default) lists every location. */
  locations?: string[];
  /** How old a cluster without an open workflow must be to count as orphaned. Default 30 min. */
  orphanGraceMs?: number;
  /** List what would be torn down; touch nothing. */
  dryRun?: boolean;
  /** Teardowns running at once. Default 10. */
  parallelism?: number;
  /** Activity timeouts and retries, for the reaper's activities and its teardowns; historyEventLimit: when to continue as new. */
  tuning?: ProvisionTuning;
  /**
   * This installation's gkeflow-owner (labels.ts ownerHash of the namespace and installation id,
   * computed by the CLI): the reaper judges only clusters and repositories carrying it. Absent
   * (a schedule made before owners): nothing is judged, everything is reported skipped.
   */
  owner?: string;
  /** Set by the reaper itself when it continues as new: the work left and the report so far. */
  carried?: ReaperCarry;
}

/** The default orphan grace period: 30 minutes. */
export const DEFAULT_ORPHAN_GRACE_MS = 30 * 60_000;
/** The default number of teardowns at once. */
export const DEFAULT_PARALLELISM = 10;

/**
 * What a continued reaper run carries: its remaining teardowns and the report so far. Since
 * PATCHES.reaperBoundedPayloads: `left` (the teardowns by name) instead of `todo` and `resources`
 * (read again when a teardown needs them).
 */
export interface ReaperCarry {
  report: ReapReport;
  todo?: ReapDecision[];
  /** The remaining teardowns by name (carry.ts). */
  left?: CompactTodo;
  /** What the remaining environments' last runs made. */
  resources?: Record<string, EnvironmentResources>;
  /** Set when the run judged by owner (PATCHES.reaperOwner): its teardowns re-check before each delete. */
  owner?: string;
}

/** The default history length after which the reaper continues as new (tuning.historyEventLimit overrides). */
export const DEFAULT_REAPER_HISTORY_LIMIT = 5000;

/** Reaps once; returns (and shows in the Web UI) what was deleted, skipped and failed. */
export async function reaperWorkflow(input: ReaperInput = {}): Promise<ReapReport> {
  const acts = activityProxies(input.tuning);
  const step = <K extends StepName>(name: K, i: StepInput<K>): Promise<StepResult<K>> =>
    callStep(acts, name, i, stepSummary(name, i));
  // Runs recorded before it keep every payload as they had it.
  const bounded = patched(PATCHES.reaperBoundedPayloads);
  const planned = input.carried ?? (await plan(input, step, bounded));
  const { report, owner } = planned;
  const todo = planned.todo ?? (planned.left ? expandTodo(planned.left) : []);
  const resources = planned.resources ?? {};
  // Runs recorded before continue-as-new never continue.
  const historyLimit = input.tuning?.historyEventLimit ?? DEFAULT_REAPER_HISTORY_LIMIT;
  const mayContinue = !report.dryRun && todo.length > 0 && patched(PATCHES.reaperContinueAsNew);
  const mustContinue = () =>
    mayContinue && (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= historyLimit);
  if (report.dryRun) report.planned = todo.map(entryOf);
  else {
    const queue = [...todo];
    const resourcesOf = bounded
      ? resourcesReader(step, queue, resources)
      : (d: ReapDecision) => Promise.resolve(resources[d.envId]);
    const reap = async (d: ReapDecision): Promise<void> => {
      try {
        let entry = entryOf(d);
        if (d.action === 'end') {
          const ended = await step('endEnvironment', { envId: d.envId, reason: d.reason, ...(owner ? { owner } : {}) });
          if (ended.leftovers.length)
            throw new Error(
              `its teardown left ${ended.leftovers.map((l) => `${l.kind} ${l.name} (${l.error})`).join(', ')}`,
            );
          // Its cluster was gone before the environment's teardown: said, not counted as cleaned.
          const leaks = ended.possibleLeaks?.map((l) => `${l.kind} ${l.name}: ${l.error}`);
          if (leaks?.length) entry = { ...entry, possibleLeaks: leaks };
        } else {
          const torn = await tearDown(d, await resourcesOf(d), input.tuning, owner);
          if (!torn) {
            report.skipped.push({ ...entryOf(d), reason: SKIP_REASONS.tornDown });
            return;
          }
          // deleteRepository kept the repository: said, and a repository leftover is not reported deleted.
          const kept = torn.repository?.kept;
          if (kept) entry = { ...entry, repositoryKept: kept };
          // Its cluster was gone before the teardown: what may be left billed is said, not counted as cleaned.
          const leaks = torn.possibleLeaks?.map((l) => `${l.kind} ${l.name}: ${l.error}`);
          if (leaks?.length) entry = { ...entry, possibleLeaks: leaks };
        }
        (entry.repositoryKept && d.repository ? (report.kept ??= []) : report.deleted).push(entry);
      } catch (err) {
        // Re-checked right before a delete and no longer provably ours and dead: skipped, never deleted.
        const refused = refusalOf(err);
        if (refused) report.skipped.push({ ...entryOf(d), reason: `${REFUSED_PREFIX}${refused}` });
        else report.failed.push({ ...entryOf(d), cause: describeError(err) });
      }
      const done = report.deleted.length + (report.kept?.length ?? 0) + report.failed.length;
      setCurrentDetails(`Reaping: ${done} done, ${queue.length} to go`);
    };
    const lane = async () => {
      // Past its first teardown a lane stops taking work once the history is long (each run makes
      // progress however small the limit); what is left goes to the next run.
      for (let d = queue.shift(); d; d = mustContinue() ? undefined : queue.shift()) await reap(d);
    };
    setCurrentDetails(`Reaping ${todo.length} of ${report.scanned} clusters`);
    await Promise.all(Array.from({ length: Math.min(input.parallelism ?? DEFAULT_PARALLELISM, todo.length) }, lane));
    if (queue.length > 0) {
      setCurrentDetails(`Continuing as new with ${queue.length} teardowns to go`);
      const carried: ReaperCarry = bounded
        ? { report: capReport(report), left: compactTodo(queue), ...(owner ? { owner } : {}) }
        : {
            report: owner ? capReport(report) : report,
            todo: queue,
            resources: Object.fromEntries(
              queue.filter((d) => resources[d.envId]).map((d) => [d.envId, resources[d.envId]!]),
            ),
            ...(owner ? { owner } : {}),
          };
      await continueAsNew<typeof reaperWorkflow>({ ...input, carried });
    }
  }
  // The result (and the Web UI's details) keep the last rows of each list; the counts keep them all.
  const result = bounded ? capReport(report) : report;
  setCurrentDetails(reportMarkdown(result));
  return result;
}

type Step = <K extends StepName>(name: K, i: StepInput<K>) => Promise<StepResult<K>>;

/** Lists and judges the clusters (and, since PATCHES.reaperRepositories, the repositories): the report so far and the work. */
async function plan(input: ReaperInput, step: Step, bounded: boolean): Promise<ReaperCarry> {
  const locations = input.locations?.length ? [...new Set(input.locations)] : ['-'];
  const graceMs = input.orphanGraceMs ?? DEFAULT_ORPHAN_GRACE_MS;
  setCurrentDetails('Listing clusters');
  let projects = [...new Set(input.projects ?? [])];
  if (projects.length === 0)
    projects = [...new Set([...(await step('knownProjects', undefined)), ...(input.extraProjects ?? [])])].sort();

  // Owner rules (new runs): the owner, the age and the expiry must be beyond doubt (contract/ownership.ts).
  const rules = patched(PATCHES.reaperOwner) ? { owner: input.owner } : undefined;
  // A project that cannot be listed is reported; the others are reaped all the same (older runs: the reap fails).
  const listFailed: ReapReport['failed'] = [];
  // Since PATCHES.reaperOneList: one listing per project and location (GKE's has no pages), and
  // namespaces listed only on the clusters it showed with a control plane.
  const oneList = bounded && patched(PATCHES.reaperOneList);
  const withControlPlane: ClusterSummary[] = [];
  const listOne = (project: string, location: string) =>
    oneList
      ? listClusterTable(step, project, location, withControlPlane)
      : bounded
        ? listAllClusters(step, project, location)
        : step('listClusters', { project, location });
  const list = (project: string, location: string) =>
    rules
      ? listOne(project, location).catch((err: unknown) => {
          const where = locationName(project, location);
          listFailed.push({
            envId: where,
            project,
            location,
            cluster: '',
            reason: CLUSTER_SCAN,
            cause: describeError(err),
          });
          return [];
        })
      : step('listClusters', { project, location });
  const lists = await Promise.all(projects.flatMap((project) => locations.map((location) => list(project, location))));
  // A zone listed on its own and through `-` shows a cluster twice.
  const listed = [...new Map(lists.flat().map((c): [string, ClusterSummary] => [envIdOfCluster(c), c])).values()];
  // Namespace environments on every listed cluster (gkeflow's or not); a cluster whose namespaces cannot be listed is reported.
  const hasControlPlane = oneList ? new Set(withControlPlane.map(envIdOfCluster)) : undefined;
  const namespaceHosts = hasControlPlane ? listed.filter((c) => hasControlPlane.has(envIdOfCluster(c))) : listed;
  const namespaces = patched(PATCHES.reaperNamespaces)
    ? await listNamespaces(namespaceHosts, step, listFailed, bounded)
    : [];
  const clusters = [...listed, ...namespaces];
  const candidates = clusters.filter(isReapable).map(envIdOfCluster);
  const openOf = (ids: string[]) => (bounded ? openAmong(step, ids) : step('openEnvironments', { ids }));
  const open = new Set(candidates.length ? await openOf(candidates) : []);
  const at = Date.now();
  const decisions = clusters.map((c) => classify(c, open, at, graceMs, rules));

  // Repositories left by runs that never got a cluster (Artifact Registry's every location of each project).
  const withRepositories = patched(PATCHES.reaperRepositories);
  // A scan that fails is reported; it does not keep the clusters from being reaped.
  const scanFailed: ReapReport['failed'] = [];
  const scan = (project: string) =>
    step('listRepositories', { project, location: '-' }).catch((err: unknown) => {
      const repository = locationName(project, '-');
      const entry = { envId: repository, project, location: '-', cluster: '', reason: REPOSITORY_SCAN, repository };
      scanFailed.push({ ...entry, cause: describeError(err) });
      return [];
    });
  const repositories = withRepositories ? (await Promise.all(projects.map(scan))).flat() : [];
  const hashes = [...new Set(repositories.map(managedRepositoryHash).filter((h): h is string => !!h))];
  const envIds = hashes.length ? await step('environmentIdsByHash', { hashes }) : {};
  const withCluster = new Set(clusters.map(envIdOfCluster));
  const repoEnvs = [...new Set(Object.values(envIds))].filter((id) => !withCluster.has(id));
  const repoOpen = new Set(repoEnvs.length ? await openOf(repoEnvs) : []);

  const report: ReapReport = {
    dryRun: input.dryRun ?? false,
    projects,
    locations,
    orphanGraceMs: graceMs,
    ...(rules?.owner ? { owner: rules.owner } : {}),
    at,
    scanned: listed.length,
    ...(namespaces.length ? { scannedNamespaces: namespaces.length } : {}),
    ...(withRepositories ? { scannedRepositories: repositories.length } : {}),
    deleted: [],
    planned: [],
    skipped: decisions.filter((d) => d.action === 'skip').map(entryOf),
    failed: [...listFailed, ...scanFailed],
  };
  // What each torn-down environment's last run made besides its cluster (Service first: a deleted
  // cluster leaks its LoadBalancer). Histories recorded before this step replay without it.
  // Bounded runs read the clusters' when their teardowns come (batches.ts); only the repositories' here.
  const deletes = [
    ...(bounded ? [] : decisions.filter((d) => d.action === 'delete').map((d) => d.envId)),
    ...repoEnvs.filter((id) => !repoOpen.has(id)),
  ];
  const resources =
    deletes.length && (!input.dryRun || withRepositories) && patched('i8-reaper-environment-resources')
      ? await step('environmentResources', { ids: deletes })
      : {};
  const ctx = { envIds, withCluster, open: repoOpen, resources, projects, locations, nowMs: at, graceMs, rules };
  const repoDecisions = repositories.map((r) => classifyRepository(r, ctx));
  report.skipped.push(...repoDecisions.filter((d) => d.action === 'skip').map(entryOf));
  const todo = [...decisions, ...repoDecisions].filter((d) => d.action !== 'skip');
  return { report, todo, resources, ...(rules?.owner ? { owner: rules.owner } : {}) };
}

/** The reason of a cluster whose gkeflow namespaces could not be listed. */
export const NAMESPACE_SCAN = 'listing its gkeflow namespaces (its namespace environments are left alone)';

/**
 * The gkeflow namespaces of the listed clusters that may be namespace environments: not those
 * labelled as the cluster's own environment's (they go with their cluster).
 */
async function listNamespaces(
  clusters: ClusterSummary[],
  step: Step,
  failed: ReapReport['failed'],
  bounded: boolean,
): Promise<ClusterSummary[]> {
  const live = clusters.filter((c) => c.status === 'RUNNING' || c.status === 'RECONCILING');
  const ownNamespace = (n: ClusterSummary) =>
    n.labels[LABELS.env] === envHash(envIdOfCluster({ ...n, namespace: undefined }));
  if (bounded) {
    // One activity per batch of clusters, not per cluster (10,000 at once overflow a workflow task).
    const batch = await namespacesInBatches(step, live);
    for (const c of batch.failed)
      failed.push({
        envId: formatEnvId(c),
        project: c.project,
        location: c.location,
        cluster: c.cluster,
        reason: NAMESPACE_SCAN,
        cause: c.cause,
      });
    return batch.namespaces.filter((n) => !ownNamespace(n));
  }
  const lists = await Promise.all(
    live.map((c) =>
      step('listNamespaces', { project: c.project, location: c.location, cluster: c.name }).catch((err: unknown) => {
        failed.push({
          envId: envIdOfCluster(c),
          project: c.project,
          location: c.location,
          cluster: c.name,
          reason: NAMESPACE_SCAN,
          cause: describeError(err),
        });
        return [];
      }),
    ),
  );
  return lists.flat().filter((n) => !ownNamespace(n));
}

/** The reason prefix of a cluster a teardown's re-check refused (TeardownRefusedError). */
export const REFUSED_PREFIX = 're-checked before deleting and left alone: ';

/** The reason of a project/location that could not be listed. */
export const CLUSTER_SCAN = 'listing its clusters (the other projects are reaped all the same)';

/**
 * The message of a TeardownRefusedError anywhere in err's cause chain, else undefined; also a
 * teardown whose only leftovers are refusals (deleteCluster's own re-check refused the last delete).
 */
function refusalOf(err: unknown): string | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (!(e instanceof ApplicationFailure)) continue;
    if (e.type === 'TeardownRefusedError') return e.message;
    if (e.type === 'CleanupIncompleteError') {
      const left = (e.details?.[0] as { leftovers?: Leftover[] } | undefined)?.leftovers ?? [];
      const refused = left.map((l) => l.error.split(REFUSED_ERROR)[1]).filter((m): m is string => !!m);
      if (left.length > 0 && refused.length === left.length) return refused.join('; ');
    }
  }
  return undefined;
}

/** How a leftover's error names a refusal (describeError: `type: message`). */
const REFUSED_ERROR = 'TeardownRefusedError: ';

/**
 * Runs the cluster's teardown as a child workflow and returns its result; false when another
 * reaper's teardown of it is already running (the id is the cluster's, so the start is refused).
 */
async function tearDown(
  d: ReapDecision,
  made: EnvironmentResources | undefined,
  tuning: ProvisionTuning | undefined,
  owner: string | undefined,
): Promise<TeardownResult | false> {
  let child;
  // The teardown re-checks the verdict right before each delete (only runs that judged by owner).
  const guard = owner ? { guard: { owner, reason: d.reason, cluster: !d.repository } } : {};
  // A repository leftover: its environment has no cluster; the tag goes only when its rule says so.
  const args =
    d.namespace !== undefined
      ? { env: envRef(d), reason: d.reason, tuning, ...made, cluster: false, ownNamespace: d.namespace, ...guard }
      : d.repository
        ? {
            env: envRef(d),
            reason: d.reason,
            tuning,
            cluster: false,
            repository: d.repository,
            image: made?.image,
            ...guard,
          }
        : { env: envRef(d), reason: d.reason, tuning, ...made, ...guard };
  try {
    child = await startChild(teardownWorkflow, {
      workflowId: d.workflowId!,
      args: [args],
      // A later reaper may tear down a cluster of the same name again; the running one is never doubled.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      // A teardown finishes even when the reaper that started it is terminated.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: d.repository
        ? `Tear down repository **${d.repository}** left by ${d.envId} (no cluster)`
        : d.namespace !== undefined
          ? `Tear down ${d.reason} namespace **${d.namespace}** on cluster ${d.cluster} in ${d.location} (${d.project}); the cluster stays`
          : `Tear down ${d.reason} cluster **${d.cluster}** in ${d.location} (${d.project})`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
  return child.result();
}

export type { ReapReport, ReapEntry } from './plan';
