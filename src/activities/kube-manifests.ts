/**
 * The Kubernetes objects gkeflow applies, built from activity inputs. Pure functions: the same
 * input gives the same object, so a second server-side apply changes nothing.
 */
import type {
  V1Container,
  V1Deployment,
  V1EnvVar,
  V1Namespace,
  V1Probe,
  V1Secret,
  V1Service,
} from '@kubernetes/client-node';
import { LABELS, managedLabels } from '../contract/labels';
import type {
  ApplyDeploymentInput,
  ApplySecretEnvInput,
  ApplyServiceInput,
  ContainerInput,
  ProbeInput,
} from '../contract/workload-io';
import type { EnvRef } from '../contract/environment-id';

/** The label GKE puts on every node with its node pool's name. */
export const GKE_NODEPOOL_LABEL = 'cloud.google.com/gke-nodepool';

function probe(p: ProbeInput | undefined): V1Probe | undefined {
  if (!p) return undefined;
  return {
    ...(p.httpGet ? { httpGet: { path: p.httpGet.path, port: p.httpGet.port } } : {}),
    ...(p.tcpSocket ? { tcpSocket: { port: p.tcpSocket.port } } : {}),
    ...(p.initialDelaySeconds !== undefined ? { initialDelaySeconds: p.initialDelaySeconds } : {}),
    ...(p.periodSeconds !== undefined ? { periodSeconds: p.periodSeconds } : {}),
  };
}

/** The Secret that holds a Deployment's `secretFrom` env values. */
export const secretEnvName = (deployment: string) => `${deployment}-gkeflow-env`;

/** The env Secret; `values` are read by the activity and exist only here and in the cluster. */
export function secretEnvManifest(input: ApplySecretEnvInput, values: Record<string, string>): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: secretEnvName(input.deployment),
      namespace: input.namespace,
      labels: managedLabels(input.env, input.labels),
    },
    data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])),
  };
}

/** Plain values inline; `secretFrom` ones from the env Secret, keyed `<container>.<NAME>`. */
function envVars(c: ContainerInput, env: NonNullable<ContainerInput['env']>, deployment: string): V1EnvVar[] {
  return Object.entries(env).map(([name, v]) =>
    typeof v === 'string'
      ? { name, value: v }
      : { name, valueFrom: { secretKeyRef: { name: secretEnvName(deployment), key: `${c.name}.${name}` } } },
  );
}

function container(c: ContainerInput, deployment: string): V1Container {
  return {
    name: c.name,
    image: c.image,
    ports: c.ports.map((p) => ({
      containerPort: p.containerPort,
      protocol: p.protocol ?? 'TCP',
      ...(p.name ? { name: p.name } : {}),
    })),
    ...(c.env ? { env: envVars(c, c.env, deployment) } : {}),
    ...(c.command ? { command: c.command } : {}),
    ...(c.args ? { args: c.args } : {}),
    ...(c.resources ? { resources: c.resources } : {}),
    ...(c.readinessProbe ? { readinessProbe: probe(c.readinessProbe) } : {}),
    ...(c.livenessProbe ? { livenessProbe: probe(c.livenessProbe) } : {}),
  };
}

/** The Deployment: our labels on it, the selector on its pods, optionally pinned to a node pool. */
export function deploymentManifest(input: ApplyDeploymentInput): V1Deployment {
  const labels = managedLabels(input.env, input.labels);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: input.name, namespace: input.namespace, labels },
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: input.selector },
      template: {
        metadata: {
          labels: {
            ...input.selector,
            [LABELS.managedBy]: labels[LABELS.managedBy]!,
            [LABELS.env]: labels[LABELS.env]!,
          },
        },
        spec: {
          containers: input.containers.map((c) => container(c, input.name)),
          ...(input.nodePool ? { nodeSelector: { [GKE_NODEPOOL_LABEL]: input.nodePool } } : {}),
        },
      },
    },
  };
}

/** The LoadBalancer Service in front of the Deployment's pods. */
export function serviceManifest(input: ApplyServiceInput): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: input.name, namespace: input.namespace, labels: managedLabels(input.env, input.labels) },
    spec: {
      type: 'LoadBalancer',
      selector: input.selector,
      ports: input.ports.map((p) => ({
        port: p.port,
        targetPort: p.targetPort,
        protocol: p.protocol ?? 'TCP',
        ...(p.name ? { name: p.name } : {}),
      })),
    },
  };
}

/** A namespace of ours (only created for namespaces other than `default`). */
export function namespaceManifest(env: EnvRef, name: string): V1Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: managedLabels(env) } };
}
