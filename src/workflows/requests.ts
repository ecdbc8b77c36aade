/**
 * Activity inputs derived from the spec: pure functions, so the workflow code reads as the
 * walkthrough's sequence and these read as its manifests (the summaries are in src/contract/steps.ts).
 */
import type { ApplyDeploymentInput, ApplyServiceInput, ResourceRef } from '../contract/workload-io';
import type { EnsureClusterInput } from '../contract/cluster-io';
import type { EnsureNamespaceInput } from '../contract/namespace-io';
import type { EnvRef } from '../contract/environment-id';
import type { PushImageInput } from '../contract/image-io';
import type { ResourceLabels } from '../contract/labels';
import { expiresAtLabel, LABELS, ownerLabels } from '../contract/labels';
import { parseImageSource } from '../envspec/image-ref';
import type { EnvironmentSpec } from '../contract/environment-spec';

/** The labels every resource carries: its expiry (unix seconds; label values may not hold ':') and its owner. */
export function resourceLabels(spec: EnvironmentSpec, expiresAtMs: number, owner?: string): ResourceLabels {
  return { ...spec.labels, [LABELS.expiresAt]: expiresAtLabel(expiresAtMs), ...ownerLabels(owner) };
}

/** pushImage's input, or undefined when the spec pushes nothing. */
export function pushRequest(spec: EnvironmentSpec, env: EnvRef): PushImageInput | undefined {
  if (!spec.image) return undefined;
  const source = parseImageSource(spec.image.source);
  // The spec was validated, so the source parses; a string here would be a validator bug.
  if (typeof source === 'string') throw new Error(`image.source: ${source}`);
  return { env, source, repository: spec.image.repository, tag: spec.image.tag };
}

export function ensureClusterInputOf(spec: EnvironmentSpec, env: EnvRef, labels: ResourceLabels): EnsureClusterInput {
  return {
    env,
    labels,
    mode: spec.cluster.mode,
    ...(spec.cluster.releaseChannel ? { releaseChannel: spec.cluster.releaseChannel } : {}),
    ...(spec.cluster.serviceAccount ? { serviceAccount: spec.cluster.serviceAccount } : {}),
    ...(spec.cluster.network ? { network: spec.cluster.network } : {}),
    ...(spec.cluster.subnetwork ? { subnetwork: spec.cluster.subnetwork } : {}),
    ...clusterShapeOf(spec),
    nodePools: spec.cluster.nodePools.map((p) => ({
      name: p.name,
      machineType: p.machineType,
      nodeCount: p.nodeCount,
      diskSizeGb: p.diskSizeGb,
      labels: p.labels,
      ...(p.autoscaling ? { autoscaling: { minNodeCount: p.autoscaling.min, maxNodeCount: p.autoscaling.max } } : {}),
      ...(p.accelerators?.length ? { accelerators: p.accelerators } : {}),
      ...(p.spot ? { spot: true } : {}),
      ...(p.taints?.length ? { taints: p.taints } : {}),
    })),
  };
}

/** The issue-22 shapes (absent unless the spec asks: older inputs stay as they were). */
function clusterShapeOf({ cluster: c }: EnvironmentSpec): Partial<EnsureClusterInput> {
  const e = c.controlPlaneEndpoints;
  return {
    ...(c.workloadIdentity ? { workloadIdentity: true } : {}),
    ...(c.clusterSecondaryRangeName && c.servicesSecondaryRangeName
      ? { secondaryRanges: { cluster: c.clusterSecondaryRangeName, services: c.servicesSecondaryRangeName } }
      : {}),
    ...(c.privateNodes ? { privateNodes: true } : {}),
    ...(e && (e.enablePublicEndpoint !== undefined || e.allowExternalTraffic !== undefined)
      ? {
          controlPlaneEndpoints: {
            enablePublicEndpoint: e.enablePublicEndpoint !== false,
            allowExternalTraffic: e.allowExternalTraffic === true,
          },
        }
      : {}),
  };
}

/** ensureNamespace's input: a namespace environment's namespace, labels and ResourceQuota. */
export function namespaceRequest(spec: EnvironmentSpec, env: EnvRef, labels: ResourceLabels): EnsureNamespaceInput {
  const quota = spec.cluster.quota ? Object.fromEntries(Object.entries(spec.cluster.quota)) : undefined;
  return { env, namespace: spec.cluster.namespace ?? '', labels, ...(quota ? { quota } : {}) };
}

/** Pod labels and the selectors of the Deployment and Service. */
export function selectorOf(spec: EnvironmentSpec): Record<string, string> {
  return { app: own(spec).deployment.name };
}

export function deploymentRequest(
  spec: EnvironmentSpec,
  env: EnvRef,
  labels: ResourceLabels,
  pushedImage: string | undefined,
): ApplyDeploymentInput {
  const d = own(spec).deployment;
  return {
    env,
    namespace: d.namespace,
    name: d.name,
    replicas: d.replicas,
    labels: { ...labels, ...d.labels },
    selector: selectorOf(spec),
    ...(d.nodePool ? { nodePool: d.nodePool } : {}),
    containers: d.containers.map((c) => ({
      name: c.name,
      image: c.image === '$image' ? (pushedImage ?? c.image) : c.image,
      ports: c.ports.map((p) => ({
        ...('name' in p && p.name ? { name: p.name } : {}),
        containerPort: p.containerPort,
        protocol: p.protocol,
      })),
      env: c.env,
      ...(c.command ? { command: c.command } : {}),
      ...(c.args ? { args: c.args } : {}),
      ...(c.resources
        ? { resources: c.resources as { requests?: Record<string, string>; limits?: Record<string, string> } }
        : {}),
      ...(c.readinessProbe ? { readinessProbe: c.readinessProbe } : {}),
      ...(c.livenessProbe ? { livenessProbe: c.livenessProbe } : {}),
    })),
  };
}

export function serviceRequest(spec: EnvironmentSpec, env: EnvRef, labels: ResourceLabels): ApplyServiceInput {
  return {
    env,
    namespace: own(spec).deployment.namespace,
    name: own(spec).service.name,
    selector: selectorOf(spec),
    labels,
    ports: own(spec).service.ports.map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      port: p.port,
      targetPort: p.targetPort,
      protocol: p.protocol,
    })),
  };
}

export const deploymentRef = (spec: EnvironmentSpec, env: EnvRef): ResourceRef => ({
  env,
  namespace: own(spec).deployment.namespace,
  name: own(spec).deployment.name,
});
export const serviceRef = (spec: EnvironmentSpec, env: EnvRef): ResourceRef => ({
  env,
  namespace: own(spec).deployment.namespace,
  name: own(spec).service.name,
});

/**
 * gkeflow's own Deployment and Service. Only the own-workload path calls the requests above; a
 * spec with `app` has neither (the schema enforces one or the other), so reaching here is a bug.
 */
function own(spec: EnvironmentSpec): Required<Pick<EnvironmentSpec, 'deployment' | 'service'>> {
  if (!spec.deployment || !spec.service) throw new Error('the spec has no deployment and service (it has app)');
  return { deployment: spec.deployment, service: spec.service };
}
