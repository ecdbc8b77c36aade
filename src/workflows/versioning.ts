/**
 * How the environment workflow stays replayable across worker upgrades (docs/upgrading.md): the
 * ids of its patches, and the spec a run works with — validated at first start, only re-checked
 * in a continued run, whose resources must be cleaned up rather than leaked when it fails.
 */
import { patched } from '@temporalio/workflow';
import { checkSpec, type SpecIssue } from '../envspec/validate';
import { type EnvironmentSpec } from '../contract/environment-spec';
import { invalidSpecFailure } from './errors';
import type { ProvisionInput } from '../contract/workflow-input';

/** The patch ids of the environment workflow (never reuse or rename one: recorded histories refer to them). */
export const PATCHES = {
  /** A continued run whose carried spec no longer validates cleans up instead of failing before finish(). */
  carriedSpecCleanup: 'i10-carried-spec-cleanup',
  /** continue-as-new carries the normalised spec, not the input it was started with. */
  carryNormalisedSpec: 'i10-carry-normalised-spec',
  /** Cluster changes queue FIFO (one at a time, arrival order); a teardown keeps its phase. */
  serialUpdates: 'i10-serial-updates',
  /** The drift check timer: degraded / running / lost. */
  driftCheck: 'i8-drift-check',
  /** ensureRepository runs before the first push: Artifact Registry refuses pushes into a missing repository. */
  ensureRepository: 'i9-ensure-repository',
  /** The env Secret step (applySecretEnv) for `secretFrom` env values. */
  secretEnv: 'i10-secret-env',
  /** A repository gkeflow created is deleted (when empty) after a push that never completed, image kept or not. */
  unpushedRepositoryCleanup: 's3-unpushed-repository-cleanup',
  /** The repository is registered for the cleanup before ensureRepository runs, not after it answers. */
  registerRepository: 's3-register-repository',
  /** The reaper also tears down repositories (and tags) left by runs that never got a cluster. */
  reaperRepositories: 's3-reaper-repositories',
  /** The reaper continues as new, carrying its remaining teardowns and partial report, when its history grows. */
  reaperContinueAsNew: 's3-reaper-continue-as-new',
  /** The user's app (spec `app:`): applied from its bundle as one ApplySet, deleted whole before the cluster. */
  app: 's4-app',
  /** The reaper judges only clusters and repositories its installation owns (gkeflow-owner), and unknown age/expiry is skipped. */
  reaperOwner: 's4-reaper-owner',
  /** A reaper's teardown re-checks the cluster (protect, owner, expiry, open run) right before each delete. */
  teardownGuard: 's4-teardown-guard',
  /** An extend during which the run began tearing down fails with EnvironmentClosingError. */
  extendClosing: 's4-extend-closing',
  /** A namespace environment (spec cluster.existing): its namespace instead of a cluster, deleted after its load balancers. */
  namespaceEnvironment: 's5-namespace-environment',
  /** The reaper also lists gkeflow's namespaces on every cluster it lists and reaps namespace environments. */
  reaperNamespaces: 's5-reaper-namespaces',
  /** teardownWorkflow reports a Service whose cluster was already gone as a possible leak, not as cleaned. */
  missingClusterLeak: 's5-missing-cluster-leak',
  /**
   * An app (deleteApp) or the environment workflow's own Service whose cluster was already gone is
   * a possible leak (its load balancers), not cleaned: in teardownWorkflow and the environment's cleanup.
   */
  appMissingClusterLeak: 's5-app-missing-cluster-leak',
  /**
   * The fleet health sweep (fleetHealthWorkflow) watches a running environment instead of its own
   * drift timer and activity; the environment checks itself only when the sweep signals a change.
   */
  fleetSweep: 's6-fleet-sweep',
  /**
   * The reaper's payloads stay bounded as the fleet grows: clusters listed in pages, open runs
   * checked and last runs read in batches (resources when a teardown needs them), continue-as-new
   * carries the teardowns left by name, the result at most MAX_CARRIED_ROWS rows per list.
   */
  reaperBoundedPayloads: 's6-reaper-bounded-payloads',
  /**
   * A reaper's teardown hands deleteCluster its guard instead of calling checkTeardown before it:
   * deleteCluster re-checks right before DeleteCluster itself (one guard read, not three).
   */
  teardownOneGuard: 's7-teardown-one-guard',
  /**
   * The reaper lists each project and location once per run (listClusterTable: one compact result,
   * GKE's ListClusters has no pages) instead of a page at a time, and lists namespaces only on the
   * clusters that list showed with a control plane.
   */
  reaperOneList: 's8-reaper-one-list',
} as const;

/**
 * The spec a run works with. A first start with an invalid spec throws InvalidSpecError (nothing
 * exists yet); a continued run whose carried spec a newer worker refuses gets it back as `stale`
 * with the problems, so the run can clean up what it created.
 */
export function specOf(input: ProvisionInput): { spec: EnvironmentSpec; stale?: SpecIssue[] } {
  const checked = checkSpec(input.spec);
  if (checked.ok) return { spec: checked.spec };
  if (input.carried && patched(PATCHES.carriedSpecCleanup)) return { spec: input.spec, stale: checked.issues };
  throw invalidSpecFailure(checked.issues);
}
