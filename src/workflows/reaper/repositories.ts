/**
 * What the reaper does with an Artifact Registry repository, as a pure function: a run ended (or
 * lost for good) after ensureRepository but before its cluster existed leaves the repository
 * gkeflow created for its environment, and maybe the pushed tag, which no cluster leads to. Such
 * a repository is torn down (tag when its environment's rule deletes it, then the repository if
 * it is empty) by the same teardown workflow id as its environment's cluster would be.
 * Workflow-safe; unit-tested on its own.
 */
import type { EnvironmentResources } from '../../contract/reaper-io';
import type { RepositorySummary } from '../../contract/image-io';
import { formatTeardownId, parseEnvId } from '../../contract/environment-id';
import { LABELS, MANAGED_BY_VALUE } from '../../contract/labels';
import { SKIP_REASONS, type OwnerRules, type ReapDecision } from './plan';
import { ownershipDoubt } from '../../contract/ownership';

/** Why a repository is left alone (besides SKIP_REASONS' foreign, protected, live and grace). */
export const REPOSITORY_SKIP_REASONS = {
  unknown: 'no environment run Temporal keeps matches its gkeflow-env label (its tag is unknown; kept)',
  hasCluster: 'its environment has a cluster: reaped with it',
  notScanned: "its environment's cluster location is not among those reaped",
  keepsImage:
    'holds images, and its environment keeps its tag on teardown (image.deleteOnTeardown off) or its spec is unknown',
} as const;

/** The reason of a failed repository scan's report entry. */
export const REPOSITORY_SCAN = 'listing its Artifact Registry repositories (the clusters are reaped all the same)';

/** The reason a repository teardown is reported with. */
export const ORPHANED_REPOSITORY = 'orphaned repository: its run ended before its cluster existed';

/** What the repository classification needs besides the repository. */
export interface RepositoryContext {
  /** gkeflow-env label value → environment id (runs Temporal still keeps). */
  envIds: Readonly<Record<string, string>>;
  /** Ids of environments that have a cluster in the scan. */
  withCluster: ReadonlySet<string>;
  /** Ids of environments with an open workflow. */
  open: ReadonlySet<string>;
  /** What each environment's last run made (image only when its rule deletes the tag). */
  resources: Readonly<Record<string, EnvironmentResources>>;
  projects: readonly string[];
  locations: readonly string[];
  nowMs: number;
  graceMs: number;
  /** Owner rules (PATCHES.reaperOwner): only repositories this installation owns are judged. */
  rules?: OwnerRules;
}

/** The gkeflow-env label of a repository gkeflow created and nobody protects, else undefined. */
export function managedRepositoryHash(r: RepositorySummary): string | undefined {
  if (r.labels[LABELS.managedBy] !== MANAGED_BY_VALUE || r.labels[LABELS.protect] === 'true') return undefined;
  return r.labels[LABELS.env] || undefined;
}

/** `projects/P/locations/L/repositories/R` → P and L. */
const coordinatesOf = (name: string) => {
  const [, project = '', , location = ''] = name.split('/');
  return { project, location };
};

/** Classifies one repository. */
export function classifyRepository(r: RepositorySummary, ctx: RepositoryContext): ReapDecision {
  const where = coordinatesOf(r.name);
  const skip = (reason: string, env = { envId: r.name, ...where, cluster: '' }): ReapDecision => ({
    ...env,
    repository: r.name,
    action: 'skip',
    reason,
  });
  if (r.labels[LABELS.managedBy] !== MANAGED_BY_VALUE) return skip(SKIP_REASONS.foreign);
  if (r.labels[LABELS.protect] === 'true') return skip(SKIP_REASONS.protected);
  // A repository has no expiry label; its owner and age must be beyond doubt all the same.
  const doubt = ctx.rules && ownershipDoubt({ labels: r.labels, createdAtMs: r.createdAtMs }, ctx.rules.owner);
  if (doubt) return skip(doubt);
  const known = ctx.envIds[r.labels[LABELS.env] ?? ''];
  const env = known ? parseEnvId(known) : undefined;
  if (!env) return skip(REPOSITORY_SKIP_REASONS.unknown);
  const envId = env.id;
  const base = { envId, project: env.project, location: env.location, cluster: env.cluster };
  const scanned =
    ctx.projects.includes(env.project) && (ctx.locations.includes('-') || ctx.locations.includes(env.location));
  if (!scanned) return skip(REPOSITORY_SKIP_REASONS.notScanned, base);
  if (ctx.withCluster.has(envId)) return skip(REPOSITORY_SKIP_REASONS.hasCluster, base);
  if (ctx.open.has(envId)) return skip(SKIP_REASONS.live, base);
  if (ctx.nowMs - r.createdAtMs < ctx.graceMs) return skip(SKIP_REASONS.grace, base);
  if (!ctx.resources[envId]?.image && (r.images ?? 0) > 0) return skip(REPOSITORY_SKIP_REASONS.keepsImage, base);
  return {
    ...base,
    repository: r.name,
    action: 'delete',
    reason: ORPHANED_REPOSITORY,
    workflowId: formatTeardownId(base),
  };
}
