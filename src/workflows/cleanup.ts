/**
 * The saga's compensation runner, shared by the environment workflow and teardownWorkflow.
 * Deletes run in the order given (Service → Deployment → cluster → image tag), in a
 * non-cancellable scope so a cancel cannot interrupt cleanup, each with its own retries. A
 * failure is recorded and cleanup continues, except that a Service which could not be deleted
 * keeps its cluster alive: deleting the cluster would leak the Service's cloud load balancer.
 */
import { CancellationScope } from '@temporalio/workflow';
import type { EnvRef } from '../contract/environment-id';
import { STEPS, stepSummary, type StepInput } from '../contract/steps';
import { type ResourceKind } from '../contract/resource-kinds';
import { describeError } from './errors';
import { type Leftover } from '../contract/messages';
import { callStep, type ActivityProxies } from './proxies';

/** One delete to run. `run` must be idempotent (activities treat NOT_FOUND as done). */
export interface CleanupTarget {
  kind: ResourceKind;
  name: string;
  /** The delete activity it runs. */
  step?: DeleteStep;
  run: () => Promise<unknown>;
}

/** What may exist of an environment; what is omitted is not deleted. */
export interface CleanupSubjects {
  env: EnvRef;
  /** Namespace of the Deployment and Service. */
  namespace: string;
  service?: string;
  deployment?: string;
  /** A namespace environment's own namespace: deleted after its load balancers, instead of a cluster. */
  ownNamespace?: string;
  cluster: boolean;
  image?: { repository: string; tag: string };
  /** The app's ApplySet (spec `app:`), in `namespace`: deleted whole, load balancers first. */
  app?: boolean;
  /** The app's rendered bundle (by digest), deleted with the image so its repository can go too. */
  bundle?: { repository: string; digest: string };
  /** The Artifact Registry repository gkeflow created for the environment (deleted only once empty). */
  repository?: string;
}

type DeleteStep =
  | 'deleteApp'
  | 'deleteService'
  | 'deleteDeployment'
  | 'deleteNamespace'
  | 'deleteCluster'
  | 'deleteImageTag'
  | 'deleteRepository';

/**
 * The one cleanup plan of every workflow that tears down: Service → Deployment → cluster →
 * image tag → the repository gkeflow created for it.
 */
export function cleanupPlan(acts: ActivityProxies, s: CleanupSubjects): CleanupTarget[] {
  const { env, namespace } = s;
  const target = <K extends DeleteStep>(step: K, name: string, input: StepInput<K>): CleanupTarget => ({
    kind: STEPS[step].kind,
    name,
    step,
    run: () => callStep(acts, step, input, stepSummary(step, input)),
  });
  const targets: CleanupTarget[] = [];
  if (s.app) targets.push(target('deleteApp', `app in ${namespace}`, { env, namespace }));
  if (s.service) targets.push(target('deleteService', s.service, { env, namespace, name: s.service }));
  if (s.deployment) targets.push(target('deleteDeployment', s.deployment, { env, namespace, name: s.deployment }));
  if (s.ownNamespace) targets.push(target('deleteNamespace', s.ownNamespace, { env, namespace: s.ownNamespace }));
  if (s.cluster) targets.push(target('deleteCluster', env.cluster, { env }));
  if (s.image)
    targets.push(
      target('deleteImageTag', `${s.image.repository}:${s.image.tag}`, {
        env,
        repository: s.image.repository,
        tag: s.image.tag,
      }),
    );
  if (s.bundle)
    targets.push(
      target('deleteImageTag', `${s.bundle.repository}@${s.bundle.digest}`, {
        env,
        repository: s.bundle.repository,
        tag: s.bundle.digest,
      }),
    );
  if (s.repository) targets.push(target('deleteRepository', s.repository, { env, name: s.repository }));
  return targets;
}

/** What cleanup achieved. */
export interface CleanupResult {
  cleaned: ResourceKind[];
  leftovers: Leftover[];
  /** What may still be billed though nothing is left to delete (see missingClusterLeak); not in `cleaned`. */
  possibleLeaks?: Leftover[];
}

/** Why a Service on a cluster that was already gone is a possible leak. */
export const POSSIBLE_LB_LEAK =
  'its cluster was already gone, so the Service could not be deleted; if it was a LoadBalancer, its forwarding rule, IP and firewall rules may still be billed in the project (GKE does not release them with the cluster): check `gcloud compute forwarding-rules list`';

/** Why an app (spec `app:`) on a cluster that was already gone is a possible leak. */
export const POSSIBLE_APP_LB_LEAK =
  "its cluster was already gone, so the app's ApplySet could not be read or deleted; the load balancers of its LoadBalancer Services, Ingresses and Gateways (forwarding rules, IPs, firewall rules) may still be billed in the project (GKE does not release them with the cluster): check `gcloud compute forwarding-rules list`";

/**
 * A Service or app delete that answered `clusterMissing`: nothing in the cluster could be
 * deleted, and GKE does not release a deleted cluster's load balancers. The possible leak to
 * report (never counted as cleaned), else undefined.
 */
export function missingClusterLeak(t: CleanupTarget, answer: unknown): Leftover | undefined {
  if (!(answer as { clusterMissing?: boolean } | undefined)?.clusterMissing) return undefined;
  if (t.step === 'deleteApp') return { kind: t.kind, name: t.name, error: POSSIBLE_APP_LB_LEAK };
  if (t.step === 'deleteService') return { kind: t.kind, name: t.name, error: POSSIBLE_LB_LEAK };
  return undefined;
}

/**
 * Runs targets in order without cancellation; reports each state change through onState. `leakOf`
 * (a caller's patched missingClusterLeak) turns a delete's answer into a possible leak: that
 * target is then reported in `possibleLeaks` (state `cleanup-failed`), not in `cleaned`.
 */
export function runCleanup(
  targets: CleanupTarget[],
  onState: (kind: ResourceKind, state: 'deleting' | 'deleted' | 'cleanup-failed') => void = () => undefined,
  leakOf?: (t: CleanupTarget, answer: unknown) => Leftover | undefined,
): Promise<CleanupResult> {
  return CancellationScope.nonCancellable(async () => {
    const result: CleanupResult = { cleaned: [], leftovers: [] };
    for (const t of targets) {
      const serviceLeft = result.leftovers.some((l) => l.kind === 'service');
      if (t.kind === 'cluster' && serviceLeft) {
        result.leftovers.push({
          kind: t.kind,
          name: t.name,
          error:
            'kept: its LoadBalancer Service could not be deleted, and deleting the cluster would leak the load balancer',
        });
        onState(t.kind, 'cleanup-failed');
        continue;
      }
      // The repository goes only after its image tag: when the tag is left, so is the repository (reported with it).
      if (t.kind === 'image' && result.leftovers.some((l) => l.kind === 'image')) continue;
      onState(t.kind, 'deleting');
      try {
        const answer = await t.run();
        const leak = leakOf?.(t, answer);
        if (leak) {
          (result.possibleLeaks ??= []).push(leak);
          onState(t.kind, 'cleanup-failed');
          continue;
        }
        // The image tag and the repository gkeflow created are both the `image` resource: listed once.
        if (!result.cleaned.includes(t.kind)) result.cleaned.push(t.kind);
        onState(t.kind, 'deleted');
      } catch (err) {
        result.leftovers.push({ kind: t.kind, name: t.name, error: describeError(err) });
        onState(t.kind, 'cleanup-failed');
      }
    }
    return result;
  });
}
