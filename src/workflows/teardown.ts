/**
 * A standalone teardown of an environment's resources by coordinates (the reaper's tool, and the
 * way out when an environment workflow is gone): Service → Deployment → cluster → image tag,
 * each idempotent, so running it twice or on half-deleted environments is safe.
 */
import { setCurrentDetails } from '@temporalio/workflow';
import type { EnvRef } from '../activities/types';
import { runCleanup, type CleanupTarget } from './cleanup';
import type { TeardownResult } from './definitions';
import { cleanupFailure } from './errors';
import type { ProvisionTuning } from './input';
import { activityProxies, call } from './proxies';

/** Input of teardownWorkflow: what to delete. Omitted names are skipped (the cluster always goes). */
export interface TeardownInput {
  env: EnvRef;
  /** Namespace of the Deployment/Service. Default `default`. */
  namespace?: string;
  service?: string;
  deployment?: string;
  /** Image tag to delete as well. */
  image?: { repository: string; tag: string };
  reason?: string;
  tuning?: ProvisionTuning;
}

/** Deletes an environment's resources; throws CleanupIncompleteError listing what is left. */
export async function teardownWorkflow(input: TeardownInput): Promise<TeardownResult> {
  const { env } = input;
  const acts = activityProxies(input.tuning);
  const namespace = input.namespace ?? 'default';
  const reason = input.reason ?? 'teardown';
  const targets: CleanupTarget[] = [];
  const { service, deployment, image } = input;
  if (service) targets.push({ kind: 'service', name: service, run: () => call(acts.cleanupLong, 'deleteService', `Delete Service ${service} and wait for its load balancer to be released`, { env, namespace, name: service }) });
  if (deployment) targets.push({ kind: 'deployment', name: deployment, run: () => call(acts.cleanupShort, 'deleteDeployment', `Delete Deployment ${deployment}`, { env, namespace, name: deployment }) });
  targets.push({ kind: 'cluster', name: env.cluster, run: () => call(acts.cleanupLong, 'deleteCluster', `Delete cluster ${env.cluster}`, { env }) });
  if (image) targets.push({ kind: 'image', name: `${image.repository}:${image.tag}`, run: () => call(acts.cleanupShort, 'deleteImageTag', `Delete image tag ${image.repository}:${image.tag}`, { env, ...image }) });
  setCurrentDetails(`Tearing down ${env.id} (${reason})`);
  const r = await runCleanup(targets);
  if (r.leftovers.length > 0) throw cleanupFailure({ envId: env.id, failedStep: 'teardown', reason, cleaned: r.cleaned, leftovers: r.leftovers });
  setCurrentDetails(`Torn down ${env.id}`);
  return { envId: env.id, reason, cleaned: r.cleaned, leftovers: [] };
}
