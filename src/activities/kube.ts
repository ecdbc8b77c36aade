/**
 * Kubernetes activities: server-side apply of the Deployment and the LoadBalancer Service,
 * waits by watch (rollout, external IP, Service gone), scale, deletes. The cluster's endpoint
 * and credentials come from deps.kubeFor(env), looked up inside the activity.
 */
import type { KubeConfig, KubernetesObject, V1Deployment, V1Service } from '@kubernetes/client-node';
import { kubeLib, MERGE_PATCH, SERVER_SIDE_APPLY } from '../clients/kube-lib';
import { OperationTimeoutError, ResourceNotFoundError, RolloutFailedError } from '../contract/activity-errors';
import { unschedulableReason } from './kube-pending';
import { kubeError, kubeStatus } from '../clients/kube-errors';
import { deploymentManifest, namespaceManifest, serviceManifest } from './kube-manifests';
import { watchUntil } from './kube-watch';
import type {
  ApplyDeploymentInput,
  ApplyServiceInput,
  DeleteResult,
  ExternalIpResult,
  ResourceRef,
  RolloutResult,
  ScaleDeploymentInput,
} from '../contract/workload-io';
import type { EnvRef } from '../contract/environment-id';

export const FIELD_MANAGER = 'gkeflow';

export interface KubeActivityDeps {
  /** A KubeConfig for the environment's cluster, built in memory from GetCluster (never from workflow input). */
  kubeFor: (env: EnvRef) => Promise<KubeConfig>;
  /** Wait budgets (ms); Temporal's heartbeat and start-to-close timeouts bound them too. */
  rolloutTimeoutMs?: number;
  externalIpTimeoutMs?: number;
  deleteTimeoutMs?: number;
  heartbeatMs?: number;
}

/** Rollout state of a Deployment for `want` replicas: a result when complete, a throw when failed. */
export function rolloutDone(
  d: V1Deployment | undefined,
  want: number,
  ref: { namespace: string; name: string },
): RolloutResult | undefined {
  if (!d) throw new ResourceNotFoundError(`Deployment ${ref.namespace}/${ref.name} does not exist`, ref);
  const s = d.status ?? {};
  const stuck = s.conditions?.find(
    (c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded',
  );
  if (stuck)
    throw new RolloutFailedError(
      `Deployment ${ref.namespace}/${ref.name} rollout failed: ${stuck.message ?? stuck.reason}`,
      { ...ref, readyReplicas: s.readyReplicas ?? 0 },
    );
  const current = (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1);
  const n = (x: number | undefined) => x ?? 0;
  if (
    current &&
    n(s.updatedReplicas) === want &&
    n(s.readyReplicas) === want &&
    n(s.availableReplicas) === want &&
    n(s.replicas) === want
  )
    return { readyReplicas: want };
  return undefined;
}

const rolloutProgress = (d: V1Deployment | undefined) => ({
  replicas: d?.status?.replicas ?? 0,
  updated: d?.status?.updatedReplicas ?? 0,
  ready: d?.status?.readyReplicas ?? 0,
});

/** Builds the kube activities. */
export function kubeActivities(deps: KubeActivityDeps) {
  const apply = async <T extends KubernetesObject>(kc: KubeConfig, obj: T): Promise<T> =>
    (await kubeLib()).KubernetesObjectApi.makeApiClient(kc)
      .patch(obj, undefined, undefined, FIELD_MANAGER, true, SERVER_SIDE_APPLY)
      .catch((e: unknown) => {
        throw kubeError(e, { kind: obj.kind, namespace: obj.metadata?.namespace, name: obj.metadata?.name });
      });

  /** The config already built for the first round, a fresh lookup (new token) for later ones. */
  const refresh = (first: KubeConfig, env: EnvRef) => {
    let used = false;
    return async () => {
      if (!used) {
        used = true;
        return first;
      }
      return deps.kubeFor(env);
    };
  };

  const waitRollout = (kc: KubeConfig, ref: ResourceRef, want: number) =>
    watchRollout(kc, ref, want).catch(async (e: unknown) => {
      // Pods the scheduler cannot place: say why (untolerated taint, no GPU …), not only "timed out".
      if (!(e instanceof OperationTimeoutError || e instanceof RolloutFailedError)) throw e;
      const why = await unschedulableReason(kc, ref.namespace, ref.name).catch(() => undefined);
      if (!why) throw e;
      throw new RolloutFailedError(`Deployment ${ref.namespace}/${ref.name} rollout did not finish: ${why}`, {
        namespace: ref.namespace,
        name: ref.name,
      });
    });

  const watchRollout = (kc: KubeConfig, ref: ResourceRef, want: number) =>
    watchUntil<V1Deployment, RolloutResult>({
      kubeConfig: refresh(kc, ref.env),
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      plural: 'deployments',
      namespace: ref.namespace,
      name: ref.name,
      check: (d) => rolloutDone(d, want, { namespace: ref.namespace, name: ref.name }),
      progress: (d) => ({ step: 'rollout', want, ...rolloutProgress(d) }),
      timeoutMs: deps.rolloutTimeoutMs ?? 10 * 60_000,
      heartbeatMs: deps.heartbeatMs,
    });

  const deleteAndWait = async (
    ref: ResourceRef,
    apiVersion: string,
    kind: string,
    plural: string,
  ): Promise<DeleteResult> => {
    // No cluster, no object: GKE deleted everything in it with the cluster. A cleanup that
    // reported this as a leftover would leave the user hunting for something that is gone.
    const kc = await deps.kubeFor(ref.env).catch((e: unknown) => {
      if (e instanceof ResourceNotFoundError && e.context.cluster) return undefined;
      throw e;
    });
    if (!kc) return { deleted: false, clusterMissing: true };
    const ctx = { kind, namespace: ref.namespace, name: ref.name };
    try {
      await (
        await kubeLib()
      ).KubernetesObjectApi.makeApiClient(kc).delete(
        { apiVersion, kind, metadata: { name: ref.name, namespace: ref.namespace } },
        undefined,
        undefined,
        undefined,
        undefined,
        'Background',
      );
    } catch (e) {
      if (kubeStatus(e) === 404) return { deleted: false };
      throw kubeError(e, ctx);
    }
    // Finalizers (the Service's load-balancer-cleanup) hold the object until the cloud resource is released.
    await watchUntil<KubernetesObject, true>({
      kubeConfig: refresh(kc, ref.env),
      apiVersion,
      kind,
      plural,
      namespace: ref.namespace,
      name: ref.name,
      check: (o) => (o ? undefined : true),
      progress: (o) => ({ step: 'delete', kind, finalizers: o?.metadata?.finalizers ?? [] }),
      timeoutMs: deps.deleteTimeoutMs ?? 10 * 60_000,
      heartbeatMs: deps.heartbeatMs,
    });
    return { deleted: true };
  };

  return {
    /** Server-side applies the Deployment (image by digest) and waits until every replica is ready. */
    async applyDeployment(input: ApplyDeploymentInput): Promise<RolloutResult> {
      const kc = await deps.kubeFor(input.env);
      if (input.namespace !== 'default') await apply(kc, namespaceManifest(input.env, input.namespace));
      await apply(kc, deploymentManifest(input));
      return waitRollout(kc, input, input.replicas);
    },

    /** Server-side applies the LoadBalancer Service; the IP comes later (waitForExternalIp). */
    async applyService(input: ApplyServiceInput): Promise<void> {
      const kc = await deps.kubeFor(input.env);
      if (input.namespace !== 'default') await apply(kc, namespaceManifest(input.env, input.namespace));
      await apply(kc, serviceManifest(input));
    },

    /** Watches the Service until the cloud gives it an ingress IP (or hostname). */
    async waitForExternalIp(ref: ResourceRef): Promise<ExternalIpResult> {
      const kc = await deps.kubeFor(ref.env);
      return watchUntil<V1Service, ExternalIpResult>({
        kubeConfig: refresh(kc, ref.env),
        apiVersion: 'v1',
        kind: 'Service',
        plural: 'services',
        namespace: ref.namespace,
        name: ref.name,
        check: (s) => {
          if (!s)
            throw new ResourceNotFoundError(`Service ${ref.namespace}/${ref.name} does not exist`, {
              namespace: ref.namespace,
              name: ref.name,
            });
          const ingress = s.status?.loadBalancer?.ingress?.[0];
          const ip = ingress?.ip ?? ingress?.hostname;
          return ip ? { ip } : undefined;
        },
        progress: () => ({ step: 'external-ip', waiting: true }),
        timeoutMs: deps.externalIpTimeoutMs ?? 10 * 60_000,
        heartbeatMs: deps.heartbeatMs,
      });
    },

    /** Sets the Deployment's replicas through its scale subresource and waits until they are ready. */
    async scaleDeployment(input: ScaleDeploymentInput): Promise<RolloutResult> {
      const kc = await deps.kubeFor(input.env);
      const ctx = { kind: 'Deployment', namespace: input.namespace, name: input.name };
      // The scale subresource, not an apply: a partial apply would drop the fields gkeflow owns.
      const { AppsV1Api, setHeaderOptions } = await kubeLib();
      await kc
        .makeApiClient(AppsV1Api)
        .patchNamespacedDeploymentScale(
          {
            name: input.name,
            namespace: input.namespace,
            body: { spec: { replicas: input.replicas } },
            fieldManager: FIELD_MANAGER,
          },
          setHeaderOptions('Content-Type', MERGE_PATCH),
        )
        .catch((e: unknown) => {
          throw kubeError(e, ctx);
        });
      return waitRollout(kc, input, input.replicas);
    },

    /**
     * Deletes the Service and waits until it is gone, i.e. its load balancer is released. No
     * cluster ⇒ `{deleted:false, clusterMissing:true}` (its load balancer may be left: a teardown reports it).
     */
    deleteService: (ref: ResourceRef) => deleteAndWait(ref, 'v1', 'Service', 'services'),

    /** Deletes the Deployment (its ReplicaSets and pods go in the background) and waits until it is gone. No cluster ⇒ `{deleted:false, clusterMissing:true}`. */
    deleteDeployment: (ref: ResourceRef) => deleteAndWait(ref, 'apps/v1', 'Deployment', 'deployments'),
  };
}
