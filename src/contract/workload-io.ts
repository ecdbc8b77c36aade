/**
 * The Kubernetes and probe activities' inputs and results (Secret, Deployment, Service, endpoint probe).
 * Plain JSON data only: everything here goes into workflow history, so it must never hold a
 * credential, token, kubeconfig, CA or client certificate.
 */
import type { EnvRef } from './environment-id';
import type { ResourceLabels } from './labels';

export interface ContainerInput {
  name: string;
  /** For the app container: filled by the workflow with the pushed `repository@digest`. */
  image: string;
  ports: Array<{ name?: string; containerPort: number; protocol?: 'TCP' | 'UDP' }>;
  /** Plain values, or a reference to the value the Deployment's env Secret holds (applySecretEnv). */
  env?: Record<string, string | SecretEnvRef>;
  command?: string[];
  args?: string[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: ProbeInput;
  livenessProbe?: ProbeInput;
}

export interface ProbeInput {
  httpGet?: { path: string; port: number };
  tcpSocket?: { port: number };
  initialDelaySeconds?: number;
  periodSeconds?: number;
}

/**
 * An env value that never enters workflow history: `env:<VARIABLE>` of the worker's environment
 * or `file:<absolute path>` the worker reads. applySecretEnv puts it in a Kubernetes Secret.
 */
export interface SecretEnvRef {
  secretFrom: string;
}

/** The env Secret of a Deployment: each key's value read on the worker from its source. */
export interface ApplySecretEnvInput {
  env: EnvRef;
  namespace: string;
  /** The Deployment whose containers reference the Secret (it is named after it). */
  deployment: string;
  labels: ResourceLabels;
  /** `<container>.<NAME>` → source (`env:VAR` or `file:/path`). */
  sources: Record<string, string>;
}

export interface ApplySecretEnvResult {
  /** The Secret's name and keys; never a value. */
  secret: string;
  keys: string[];
}

export interface ApplyDeploymentInput {
  env: EnvRef;
  namespace: string;
  name: string;
  replicas: number;
  containers: ContainerInput[];
  labels: ResourceLabels;
  /** Pod labels and selector. */
  selector: Record<string, string>;
  nodePool?: string;
}

export interface RolloutResult {
  readyReplicas: number;
}

export interface ApplyServiceInput {
  env: EnvRef;
  namespace: string;
  name: string;
  selector: Record<string, string>;
  ports: Array<{ name?: string; port: number; targetPort: number; protocol?: 'TCP' | 'UDP' }>;
  labels: ResourceLabels;
}

export interface ResourceRef {
  env: EnvRef;
  namespace: string;
  name: string;
}

export interface ExternalIpResult {
  ip: string;
}

export interface ScaleDeploymentInput extends ResourceRef {
  replicas: number;
}

export interface DeleteResult {
  deleted: boolean;
  /**
   * Kubernetes deletes (Service, Deployment): the cluster itself was already gone, so nothing in it
   * could be asked. For a LoadBalancer Service that means its cloud load balancer may be left.
   */
  clusterMissing?: boolean;
}

// ---------- probe ----------

export interface ProbeEndpointInput {
  url: string;
  expectStatus?: number;
  timeoutSeconds?: number;
}

export interface ProbeEndpointResult {
  ok: boolean;
  status?: number;
  /** Why the probe was not run (e.g. the local target's pods are simulated). */
  skipped?: string;
}
