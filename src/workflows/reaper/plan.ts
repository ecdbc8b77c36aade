/**
 * What the reaper does with each cluster, as pure functions of the clusters, the open
 * environments and the time: expired or orphaned ones are torn down, an expired live
 * environment is ended through its own workflow, everything else is left alone with a reason.
 * Workflow-safe; unit-tested on its own.
 */
import { EXPIRED_REASON, type ClusterSummary } from '../../contract/reaper-io';
import { formatEnvId, formatTeardownId } from '../../contract/environment-id';
import { envHash, LABELS, MANAGED_BY_VALUE } from '../../contract/labels';
import { OWNERSHIP_DOUBTS, ownershipDoubt } from '../../contract/ownership';

/** What happens to one cluster. */
export type ReapAction =
  /** Torn down by teardownWorkflow (no live workflow owns it). */
  | 'delete'
  /** Ended through its own environment workflow's teardown update. */
  | 'end'
  | 'skip';

/** One cluster's verdict. */
export interface ReapDecision {
  envId: string;
  project: string;
  location: string;
  cluster: string;
  /** A namespace environment's namespace on `cluster` (the cluster itself is never touched). */
  namespace?: string;
  action: ReapAction;
  /** delete/end: `expired` or `orphaned`; skip: why it is left alone. */
  reason: string;
  /** delete: the teardown workflow's id; end: the environment's. */
  workflowId?: string;
  /** A repository leftover (repositories.ts): its name; the environment has no cluster, so none is deleted. */
  repository?: string;
}

/** Why a cluster is left alone. */
export const SKIP_REASONS = {
  foreign: 'foreign: not labelled managed-by: gkeflow',
  protected: 'protected: labelled gkeflow-protect: "true"',
  mismatch: "its gkeflow-env label is not this cluster's environment (never deleted by coordinates)",
  ...OWNERSHIP_DOUBTS,
  live: 'unexpired, its environment workflow is open',
  grace: 'orphaned but younger than the grace period',
  stopping: 'already being deleted (status STOPPING)',
  tornDown: 'already being torn down by another reaper',
} as const;

/** The environment id of a listed cluster (its workflow id). */
export const envIdOfCluster = (c: ClusterSummary) =>
  formatEnvId({ project: c.project, location: c.location, cluster: c.name, namespace: c.namespace });

/** True when a cluster carries managed-by: gkeflow and is not protected: the ones whose workflow matters. */
export function isReapable(c: ClusterSummary): boolean {
  return (
    c.labels[LABELS.managedBy] === MANAGED_BY_VALUE &&
    c.labels[LABELS.protect] !== 'true' &&
    c.labels[LABELS.env] === envHash(envIdOfCluster(c))
  );
}

/** The expiry of a cluster in epoch ms, or undefined when it has no (valid) gkeflow-expires-at label. */
export function expiresAtMs(c: ClusterSummary): number | undefined {
  const v = c.labels[LABELS.expiresAt];
  return v && /^\d+$/.test(v) ? Number(v) * 1000 : undefined;
}

/** The reason an orphan (no open workflow, past the grace period) is torn down with. */
export const ORPHANED_REASON = 'orphaned';

/**
 * The rules a reaper of an installation applies (PATCHES.reaperOwner); absent for runs recorded
 * before owners, which keep the old rules.
 */
export interface OwnerRules {
  /** This installation's gkeflow-owner; undefined: the run has none and judges nothing. */
  owner: string | undefined;
}

/**
 * Classifies one cluster. `open` holds the ids of environments with an open workflow; `rules`
 * (new runs) adds the owner, age and expiry checks of ownershipDoubt.
 */
export function classify(
  c: ClusterSummary,
  open: ReadonlySet<string>,
  nowMs: number,
  graceMs: number,
  rules?: OwnerRules,
): ReapDecision {
  const envId = envIdOfCluster(c);
  const base = {
    envId,
    project: c.project,
    location: c.location,
    cluster: c.name,
    ...(c.namespace !== undefined ? { namespace: c.namespace } : {}),
  };
  const skip = (reason: string): ReapDecision => ({ ...base, action: 'skip', reason });
  if (c.labels[LABELS.managedBy] !== MANAGED_BY_VALUE) return skip(SKIP_REASONS.foreign);
  if (c.labels[LABELS.protect] === 'true') return skip(SKIP_REASONS.protected);
  if (c.labels[LABELS.env] !== envHash(envId)) return skip(SKIP_REASONS.mismatch);
  const doubt = rules && ownershipDoubt(c, rules.owner);
  if (doubt) return skip(doubt);
  const expires = expiresAtMs(c);
  const expired = expires !== undefined && expires <= nowMs;
  const live = open.has(envId);
  if (expired && live) return { ...base, action: 'end', reason: EXPIRED_REASON, workflowId: envId };
  if (live) return skip(SKIP_REASONS.live);
  if (c.status === 'STOPPING') return skip(SKIP_REASONS.stopping);
  const teardown = { ...base, action: 'delete' as const, workflowId: formatTeardownId(base) };
  if (expired) return { ...teardown, reason: EXPIRED_REASON };
  if (nowMs - c.createdAtMs < graceMs) return skip(SKIP_REASONS.grace);
  return { ...teardown, reason: ORPHANED_REASON };
}

/** One line of the report. */
export interface ReapEntry {
  envId: string;
  project: string;
  location: string;
  cluster: string;
  /** A namespace environment's namespace on `cluster`. */
  namespace?: string;
  /** deleted/planned: expired | orphaned; skipped: the reason left alone. */
  reason: string;
  /** How it was (or would be) ended: a teardown workflow, or the environment's own workflow. */
  via?: 'teardown-workflow' | 'environment-workflow';
  workflowId?: string;
  /** A repository left by a run that never got a cluster (`cluster` is then its environment's, which does not exist). */
  repository?: string;
  /** The teardown ran, but deleteRepository kept the environment's repository: why (e.g. it still holds images). */
  repositoryKept?: string;
  /** The teardown found its cluster already gone: what may still be billed (`service NAME: why`), not cleaned. */
  possibleLeaks?: string[];
}

/** The reaper's result: also its Web UI details. */
export interface ReapReport {
  dryRun: boolean;
  projects: string[];
  locations: string[];
  orphanGraceMs: number;
  /** The gkeflow-owner this run judged by (absent: a run before owners, or one without an owner). */
  owner?: string;
  /** Epoch ms the clusters were judged at. */
  at: number;
  scanned: number;
  /** Namespace environments' namespaces looked at on the listed clusters (absent: none, or a run before them). */
  scannedNamespaces?: number;
  /** Artifact Registry repositories looked at (absent in runs before the repository leftovers were reaped). */
  scannedRepositories?: number;
  deleted: ReapEntry[];
  /**
   * Repository leftovers whose teardown ran but whose repository deleteRepository kept
   * (`repositoryKept` says why); absent in reports from before it was reported.
   */
  kept?: ReapEntry[];
  /** Dry run: what would be deleted or ended. */
  planned: ReapEntry[];
  skipped: ReapEntry[];
  failed: Array<ReapEntry & { cause: string }>;
  /**
   * Rows dropped from each list when a long reap continued as new (capReport: the carried report
   * stays far below Temporal's payload limit); the counts in the summary include them.
   */
  omitted?: Partial<Record<ReportList, number>>;
}

/** The lists of a report that grow with the clusters reaped (`planned`: a dry run's). */
export type ReportList = 'deleted' | 'kept' | 'skipped' | 'failed' | 'planned';

/**
 * How many rows of each list a continued run carries (the last ones), and a run since
 * PATCHES.reaperBoundedPayloads returns; the rest are counted in `omitted`.
 */
export const MAX_CARRIED_ROWS = 500;

/** The report with each list cut to its last `max` rows, the dropped ones counted in `omitted`. */
export function capReport(r: ReapReport, max = MAX_CARRIED_ROWS): ReapReport {
  const out: ReapReport = { ...r, omitted: { ...r.omitted } };
  for (const list of ['deleted', 'kept', 'skipped', 'failed', 'planned'] as const) {
    const rows = r[list];
    if (!rows || rows.length <= max) continue;
    out.omitted![list] = (out.omitted![list] ?? 0) + rows.length - max;
    (out as unknown as Record<ReportList, ReapEntry[]>)[list] = rows.slice(-max);
  }
  if (Object.keys(out.omitted!).length === 0) delete out.omitted;
  return out;
}

/** How many rows a list has, counting those a continued run dropped. */
export const countOf = (r: ReapReport, list: ReportList) => (r[list]?.length ?? 0) + (r.omitted?.[list] ?? 0);

/** A decision as a report entry. */
export function entryOf(d: ReapDecision): ReapEntry {
  const { envId, project, location, cluster, namespace, reason, workflowId, repository } = d;
  const via = d.action === 'delete' ? 'teardown-workflow' : d.action === 'end' ? 'environment-workflow' : undefined;
  return {
    envId,
    project,
    location,
    cluster,
    ...(namespace !== undefined ? { namespace } : {}),
    reason,
    ...(via ? { via } : {}),
    ...(workflowId ? { workflowId } : {}),
    ...(repository ? { repository } : {}),
  };
}

/** The report as Markdown (the run's details in the Web UI). */
export function reportMarkdown(r: ReapReport): string {
  const rows = (title: string, es: Array<ReapEntry & { cause?: string }>) =>
    es.length === 0
      ? []
      : [
          `**${title}** (${es.length})`,
          '',
          '| cluster | project | location | why |',
          '|---|---|---|---|',
          ...es.map(
            (e) =>
              `| ${e.repository ? `repository ${e.repository}` : e.namespace !== undefined ? `namespace ${e.namespace} on ${e.cluster}` : e.cluster} | ${e.project} | ${e.location} | ${e.cause ?? e.reason}${e.repositoryKept ? ` (repository kept: ${e.repositoryKept})` : ''}${e.possibleLeaks?.length ? ` (possible leak: ${e.possibleLeaks.join('; ')})` : ''} |`,
          ),
          '',
        ];
  return [
    `Reaper${r.dryRun ? ' (dry run)' : ''}: ${r.scanned} clusters` +
      `${r.scannedRepositories === undefined ? '' : ` and ${r.scannedRepositories} repositories`} in ${r.projects.join(', ') || 'no project'}` +
      ` — ${r.dryRun ? `${countOf(r, 'planned')} would go` : `${countOf(r, 'deleted')} deleted`},` +
      `${countOf(r, 'kept') ? ` ${countOf(r, 'kept')} kept,` : ''} ${countOf(r, 'skipped')} skipped, ${countOf(r, 'failed')} failed` +
      `${r.omitted ? ' (older rows omitted from the lists below)' : ''}`,
    '',
    ...rows('Deleted', r.deleted),
    ...rows('Kept', r.kept ?? []),
    ...rows('Would delete', r.planned),
    ...rows('Failed', r.failed),
    ...rows('Skipped', r.skipped),
  ].join('\n');
}
