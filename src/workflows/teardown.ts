/**
 * A standalone teardown of an environment's resources by coordinates (the reaper's tool, and the
 * way out when an environment workflow is gone): Service → Deployment → cluster → image tag →
 * the repository gkeflow created for it,
 * each idempotent, so running it twice or on half-deleted environments is safe.
 */
import { ActivityFailure, ApplicationFailure, patched, setCurrentDetails } from '@temporalio/workflow';
import type { TeardownGuard } from '../contract/reaper-io';
import { stepSummary } from '../contract/steps';
import { PATCHES } from './versioning';
import type { DeleteRepositoryResult } from '../contract/image-io';
import type { DeleteResult } from '../contract/workload-io';
import type { EnvRef } from '../contract/environment-id';
import { cleanupPlan, missingClusterLeak, POSSIBLE_LB_LEAK, runCleanup, type CleanupTarget } from './cleanup';
import type { TeardownResult } from '../contract/messages';
import { cleanupFailure } from './errors';
import { failure } from '../contract/temporal-failures';
import type { ProvisionTuning } from '../contract/workflow-input';
import { activityProxies, callStep } from './proxies';

/** Input of teardownWorkflow: what to delete. Omitted names are skipped (the cluster goes unless `cluster: false`). */
export interface TeardownInput {
  env: EnvRef;
  /** Namespace of the Deployment/Service. Default `default`. */
  namespace?: string;
  service?: string;
  deployment?: string;
  /** The environment is an app (spec `app:`): its ApplySet in `namespace` goes first. */
  app?: boolean;
  /** The app's rendered bundle, deleted after the cluster. */
  bundle?: { repository: string; digest: string };
  /** Image tag to delete as well. */
  image?: { repository: string; tag: string };
  /** The Artifact Registry repository of the image, deleted after it only if gkeflow created it for this environment and it is empty. */
  repository?: string;
  /** A namespace environment's namespace: deleted (its load balancers released first); then `cluster` is false. */
  ownNamespace?: string;
  /** false: the environment has no cluster to delete (the reaper's leftovers of a run that never got one). Default true. */
  cluster?: boolean;
  reason?: string;
  tuning?: ProvisionTuning;
  /**
   * Set by a reaper: before each delete the verdict is re-checked (checkTeardown: fresh GetCluster
   * and Describe); a refusal stops the teardown with nothing more deleted (TeardownRefusedError).
   */
  guard?: TeardownGuard;
}

/** Deletes an environment's resources; throws CleanupIncompleteError listing what is left. */
export async function teardownWorkflow(input: TeardownInput): Promise<TeardownResult> {
  const { env } = input;
  const reason = input.reason ?? 'teardown';
  const { service, deployment, image, repository } = input;
  const acts = activityProxies(input.tuning);
  const targets = cleanupPlan(acts, {
    env,
    namespace: input.namespace ?? 'default',
    service,
    deployment,
    cluster: input.cluster ?? true,
    image,
    repository,
    ...(input.app && patched(PATCHES.app) ? { app: true } : {}),
    ...(input.ownNamespace && patched(PATCHES.reaperNamespaces) ? { ownNamespace: input.ownNamespace } : {}),
    ...(input.bundle && patched(PATCHES.app) ? { bundle: input.bundle } : {}),
  });
  // What deleteRepository and deleteService answered (results are the report's, not commands: replay is unaffected).
  let answered: DeleteRepositoryResult | undefined;
  let serviceAnswer: DeleteResult | undefined;
  const observed = targets.map((t) =>
    repository && t.kind === 'image' && t.name === repository
      ? { ...t, run: async () => (answered = (await t.run()) as DeleteRepositoryResult) }
      : service && t.kind === 'service' && t.name === service
        ? { ...t, run: async () => (serviceAnswer = (await t.run()) as DeleteResult) }
        : t,
  );
  const { guard } = input;
  const check = guard && patched(PATCHES.teardownGuard) ? guard : undefined;
  setCurrentDetails(`Tearing down ${env.id} (${reason})`);
  // A reaper's verdict is re-checked right before each delete; the first refusal ends the teardown.
  let refused: unknown;
  // Since PATCHES.teardownOneGuard the cluster's re-check is deleteCluster's own, right before
  // DeleteCluster (the guard in its input): no checkTeardown before it (one guard read, not three).
  const selfChecked = check?.cluster && patched(PATCHES.teardownOneGuard) ? check : undefined;
  const guarded = check
    ? observed.map((t) => ({
        ...t,
        run: async () => {
          if (selfChecked && t.step === 'deleteCluster') return deleteClusterGuarded(selfChecked);
          if (refused) throw refused;
          try {
            await callStep(
              acts,
              'checkTeardown',
              { env, guard: check },
              stepSummary('checkTeardown', { env, guard: check }),
            );
          } catch (err) {
            refused = err;
            throw err;
          }
          return t.run();
        },
      }))
    : observed;
  /** deleteCluster with the guard it re-checks itself; its refusal ends the teardown like checkTeardown's. */
  async function deleteClusterGuarded(g: TeardownGuard): Promise<unknown> {
    if (refused) throw refused;
    const i = { env, guard: g };
    try {
      return await callStep(acts, 'deleteCluster', i, stepSummary('deleteCluster', i));
    } catch (err) {
      if (isRefusal(err)) refused = err;
      throw err;
    }
  }
  // An app whose cluster was already gone: its load balancers are a possible leak, not cleaned.
  const appLeak = (t: CleanupTarget, answer: unknown) => {
    const leak = t.step === 'deleteApp' ? missingClusterLeak(t, answer) : undefined;
    return leak && patched(PATCHES.appMissingClusterLeak) ? leak : undefined;
  };
  const r = await runCleanup(guarded, undefined, appLeak);
  if (refused) throw refusalOf(refused);
  if (r.leftovers.length > 0)
    throw cleanupFailure({ envId: env.id, failedStep: 'teardown', reason, cleaned: r.cleaned, leftovers: r.leftovers });
  setCurrentDetails(`Torn down ${env.id}`);
  const repositoryResult = answered && {
    repository: { name: repository!, deleted: answered.deleted, ...(answered.kept ? { kept: answered.kept } : {}) },
  };
  // The Service's cluster was already gone: nothing could be deleted, and GKE does not release
  // the load balancer of a deleted cluster's Service. Reported, never counted as cleaned.
  if (serviceAnswer?.clusterMissing && patched(PATCHES.missingClusterLeak)) {
    const possibleLeaks = [
      ...(r.possibleLeaks ?? []),
      { kind: 'service' as const, name: service!, error: POSSIBLE_LB_LEAK },
    ];
    setCurrentDetails(`Torn down ${env.id}; possible leak: Service ${service}'s load balancer`);
    const cleaned = r.cleaned.filter((k) => k !== 'service');
    return { envId: env.id, reason, cleaned, leftovers: [], ...repositoryResult, possibleLeaks };
  }
  if (r.possibleLeaks?.length) {
    setCurrentDetails(`Torn down ${env.id}; possible leak: ${r.possibleLeaks.map((l) => l.name).join(', ')}`);
    const { possibleLeaks } = r;
    return { envId: env.id, reason, cleaned: r.cleaned, leftovers: [], ...repositoryResult, possibleLeaks };
  }
  return { envId: env.id, reason, cleaned: r.cleaned, leftovers: [], ...repositoryResult };
}

/** Why a Service on a cluster that was already gone is a possible leak (one place: ./cleanup). */
export { POSSIBLE_LB_LEAK };

/**
 * The teardown's failure after a re-check stopped it: a refusal keeps its type
 * TeardownRefusedError (a reaper reports it as skipped); a re-check that could not run fails as itself.
 */
function refusalOf(err: unknown): unknown {
  const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : undefined;
  return cause?.type === 'TeardownRefusedError' ? failure('TeardownRefusedError', cause.message) : err;
}

/** An activity's TeardownRefusedError (a re-check refused: nothing was deleted). */
const isRefusal = (err: unknown) =>
  err instanceof ActivityFailure &&
  err.cause instanceof ApplicationFailure &&
  err.cause.type === 'TeardownRefusedError';
