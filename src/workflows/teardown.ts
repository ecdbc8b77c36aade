/**
 * A standalone teardown of an environment's resources by coordinates (the reaper's tool, and the
 * way out when an environment workflow is gone): Service → Deployment → cluster → image tag →
 * the repository gkeflow created for it,
 * each idempotent, so running it twice or on half-deleted environments is safe.
 */
import { patched, setCurrentDetails } from '@temporalio/workflow';
import { PATCHES } from './versioning';
import type { DeleteRepositoryResult } from '../contract/image-io';
import type { EnvRef } from '../contract/environment-id';
import { cleanupPlan, runCleanup } from './cleanup';
import type { TeardownResult } from '../contract/messages';
import { cleanupFailure } from './errors';
import type { ProvisionTuning } from '../contract/workflow-input';
import { activityProxies } from './proxies';

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
  /** false: the environment has no cluster to delete (the reaper's leftovers of a run that never got one). Default true. */
  cluster?: boolean;
  reason?: string;
  tuning?: ProvisionTuning;
}

/** Deletes an environment's resources; throws CleanupIncompleteError listing what is left. */
export async function teardownWorkflow(input: TeardownInput): Promise<TeardownResult> {
  const { env } = input;
  const reason = input.reason ?? 'teardown';
  const { service, deployment, image, repository } = input;
  const targets = cleanupPlan(activityProxies(input.tuning), {
    env,
    namespace: input.namespace ?? 'default',
    service,
    deployment,
    cluster: input.cluster ?? true,
    image,
    repository,
    ...(input.app && patched(PATCHES.app) ? { app: true } : {}),
    ...(input.bundle && patched(PATCHES.app) ? { bundle: input.bundle } : {}),
  });
  // What deleteRepository answered (its result is the report's, not a command: replay is unaffected).
  let answered: DeleteRepositoryResult | undefined;
  const observed = targets.map((t) =>
    repository && t.kind === 'image' && t.name === repository
      ? { ...t, run: async () => (answered = (await t.run()) as DeleteRepositoryResult) }
      : t,
  );
  setCurrentDetails(`Tearing down ${env.id} (${reason})`);
  const r = await runCleanup(observed);
  if (r.leftovers.length > 0)
    throw cleanupFailure({ envId: env.id, failedStep: 'teardown', reason, cleaned: r.cleaned, leftovers: r.leftovers });
  setCurrentDetails(`Torn down ${env.id}`);
  const repositoryResult = answered && {
    repository: { name: repository!, deleted: answered.deleted, ...(answered.kept ? { kept: answered.kept } : {}) },
  };
  return { envId: env.id, reason, cleaned: r.cleaned, leftovers: [], ...repositoryResult };
}
