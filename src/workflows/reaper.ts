/**
 * The reaper: lists the clusters of the given projects and locations, and tears down those
 * gkeflow made that outlived their TTL or lost their workflow (see reaper-plan.ts). Each
 * teardown is a child teardownWorkflow whose id is derived from the cluster, so two reapers at
 * once start one teardown per cluster (the second start is refused and reported as skipped); an
 * expired environment whose workflow is still open is ended through its own teardown update.
 * The report is the result and the run's details in the Web UI.
 */
import { ParentClosePolicy, patched, setCurrentDetails, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { ClusterSummary, EnvironmentResources } from '../activities/reaper';
import { envRef } from '../contract/environment-id';
import { stepSummary, type StepInput, type StepName, type StepResult } from '../contract/steps';
import { describeError } from './errors';
import type { ProvisionTuning } from './input';
import { activityProxies, callStep } from './proxies';
import {
  classify,
  entryOf,
  envIdOfCluster,
  isReapable,
  reportMarkdown,
  SKIP_REASONS,
  type ReapDecision,
  type ReapReport,
} from './reaper-plan';
import { teardownWorkflow } from './teardown';

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
  /** Activity timeouts and retries, for the reaper's activities and its teardowns. */
  tuning?: ProvisionTuning;
}

/** The default orphan grace period: 30 minutes. */
export const DEFAULT_ORPHAN_GRACE_MS = 30 * 60_000;
/** The default number of teardowns at once. */
export const DEFAULT_PARALLELISM = 10;

/** Reaps once; returns (and shows in the Web UI) what was deleted, skipped and failed. */
export async function reaperWorkflow(input: ReaperInput = {}): Promise<ReapReport> {
  const acts = activityProxies(input.tuning);
  const step = <K extends StepName>(name: K, i: StepInput<K>): Promise<StepResult<K>> =>
    callStep(acts, name, i, stepSummary(name, i));
  const locations = input.locations?.length ? [...new Set(input.locations)] : ['-'];
  const graceMs = input.orphanGraceMs ?? DEFAULT_ORPHAN_GRACE_MS;
  setCurrentDetails('Listing clusters');
  let projects = [...new Set(input.projects ?? [])];
  if (projects.length === 0)
    projects = [...new Set([...(await step('knownProjects', undefined)), ...(input.extraProjects ?? [])])].sort();

  const lists = await Promise.all(
    projects.flatMap((project) => locations.map((location) => step('listClusters', { project, location }))),
  );
  // A zone listed on its own and through `-` shows a cluster twice.
  const clusters = [...new Map(lists.flat().map((c): [string, ClusterSummary] => [envIdOfCluster(c), c])).values()];
  const candidates = clusters.filter(isReapable).map(envIdOfCluster);
  const open = new Set(candidates.length ? await step('openEnvironments', { ids: candidates }) : []);
  const at = Date.now();
  const decisions = clusters.map((c) => classify(c, open, at, graceMs));

  const report: ReapReport = {
    dryRun: input.dryRun ?? false,
    projects,
    locations,
    orphanGraceMs: graceMs,
    at,
    scanned: clusters.length,
    deleted: [],
    planned: [],
    skipped: decisions.filter((d) => d.action === 'skip').map(entryOf),
    failed: [],
  };
  const todo = decisions.filter((d) => d.action !== 'skip');
  // What each torn-down environment's last run made besides its cluster (Service first: a deleted
  // cluster leaks its LoadBalancer). Histories recorded before this step replay without it.
  const deletes = todo.filter((d) => d.action === 'delete').map((d) => d.envId);
  const resources =
    deletes.length && !input.dryRun && patched('i8-reaper-environment-resources')
      ? await step('environmentResources', { ids: deletes })
      : {};
  if (report.dryRun) report.planned = todo.map(entryOf);
  else {
    const reap = async (d: ReapDecision): Promise<void> => {
      try {
        if (d.action === 'end') {
          const ended = await step('endEnvironment', { envId: d.envId, reason: d.reason });
          if (ended.leftovers.length)
            throw new Error(
              `its teardown left ${ended.leftovers.map((l) => `${l.kind} ${l.name} (${l.error})`).join(', ')}`,
            );
        } else if (!(await tearDown(d, resources[d.envId], input.tuning))) {
          report.skipped.push({ ...entryOf(d), reason: SKIP_REASONS.tornDown });
          return;
        }
        report.deleted.push(entryOf(d));
      } catch (err) {
        report.failed.push({ ...entryOf(d), cause: describeError(err) });
      }
      setCurrentDetails(`Reaping: ${report.deleted.length + report.failed.length} of ${todo.length} done`);
    };
    const queue = [...todo];
    const lane = async () => {
      for (let d = queue.shift(); d; d = queue.shift()) await reap(d);
    };
    setCurrentDetails(`Reaping ${todo.length} of ${clusters.length} clusters`);
    await Promise.all(Array.from({ length: Math.min(input.parallelism ?? DEFAULT_PARALLELISM, todo.length) }, lane));
  }
  setCurrentDetails(reportMarkdown(report));
  return report;
}

/**
 * Runs the cluster's teardown as a child workflow; false when another reaper's teardown of it is
 * already running (the id is the cluster's, so the start is refused).
 */
async function tearDown(
  d: ReapDecision,
  made: EnvironmentResources | undefined,
  tuning: ProvisionTuning | undefined,
): Promise<boolean> {
  let child;
  try {
    child = await startChild(teardownWorkflow, {
      workflowId: d.workflowId!,
      args: [{ env: envRef(d), reason: d.reason, tuning, ...made }],
      // A later reaper may tear down a cluster of the same name again; the running one is never doubled.
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      // A teardown finishes even when the reaper that started it is terminated.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `Tear down ${d.reason} cluster **${d.cluster}** in ${d.location} (${d.project})`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
  await child.result();
  return true;
}

export type { ReapReport, ReapEntry } from './reaper-plan';
