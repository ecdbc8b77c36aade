/**
 * The validated, normalised environment spec as it crosses into the workflow (its input) and
 * history: plain JSON with every default filled in. src/envspec builds it from YAML with zod,
 * and a compile-time check there keeps this shape and the schema's output the same type.
 */
import type { ReleaseChannel } from '../gke/rules';

/** One step of the plan run after provisioning. */
export type PlanStep =
  { scale: number; resize?: undefined } | { resize: { pool: string; nodeCount: number }; scale?: undefined };

/** A node pool: nodes per zone, as GKE counts them. */
export interface SpecNodePool {
  name: string;
  machineType: string;
  nodeCount: number;
  diskSizeGb: number;
  autoscaling?: { min: number; max: number } | undefined;
  labels: Record<string, string>;
  /** GPUs per node and GKE's driver installation. */
  accelerators?: SpecAccelerator[] | undefined;
  /** Spot VMs (`cloud.google.com/gke-spot=true` on the nodes). */
  spot?: boolean | undefined;
  taints?: SpecTaint[] | undefined;
}

export interface SpecAccelerator {
  type: string;
  count: number;
  gpuDriverVersion: 'DEFAULT' | 'LATEST' | 'INSTALLATION_DISABLED';
}

/** A node taint in GKE's words. */
export interface SpecTaint {
  key: string;
  value: string;
  effect: 'NO_SCHEDULE' | 'PREFER_NO_SCHEDULE' | 'NO_EXECUTE';
}

/** A container probe: exactly one of httpGet, tcpSocket. */
export interface SpecProbe {
  httpGet?: { path: string; port: number } | undefined;
  tcpSocket?: { port: number } | undefined;
  initialDelaySeconds?: number | undefined;
  periodSeconds?: number | undefined;
}

/** Kubernetes resource quantities of a container. */
export interface SpecResourceList {
  cpu?: string | undefined;
  memory?: string | undefined;
  'ephemeral-storage'?: string | undefined;
  'nvidia.com/gpu'?: string | undefined;
}

/** A port of a container (a bare number in the spec means TCP). */
export interface SpecContainerPort {
  name?: string | undefined;
  containerPort: number;
  protocol: 'TCP' | 'UDP';
}

/** A container of the Deployment; `image` `$image` is the image gkeflow pushed. */
export interface SpecContainer {
  name: string;
  image: string;
  ports: SpecContainerPort[];
  /** A value, or `{secretFrom}` the worker reads into a Secret (never in history). */
  env: Record<string, string | { secretFrom: string }>;
  command?: string[] | undefined;
  args?: string[] | undefined;
  resources?: { requests?: SpecResourceList | undefined; limits?: SpecResourceList | undefined } | undefined;
  readinessProbe?: SpecProbe | undefined;
  livenessProbe?: SpecProbe | undefined;
}

/**
 * The user's app: one of `manifests` (a directory) or `kustomize` (an overlay), absolute paths
 * on the machine that rendered them. The workflow never reads them: it gets the rendering by
 * digest (`bundle`), pushed by the CLI into the environment's Artifact Registry repository.
 */
export interface SpecApp {
  manifests?: string | undefined;
  kustomize?: string | undefined;
  namespace: string;
  endpoint: { service: string; port: number };
  /** `REPOSITORY@sha256:…` of the rendered bundle; set by `gkeflow up`. */
  bundle?: string | undefined;
}

/** A validated, normalised environment spec: every default filled in. Frozen at runtime. */
export interface EnvironmentSpec {
  apiVersion: 'gkeflow/v1';
  kind: 'Environment';
  target: 'local' | 'gcp';
  project: string;
  location: string;
  cluster: {
    name: string;
    mode: 'standard' | 'autopilot';
    releaseChannel?: ReleaseChannel | undefined;
    serviceAccount?: string | undefined;
    useIpAliases?: true | undefined;
    network?: string | undefined;
    subnetwork?: string | undefined;
    nodePools: SpecNodePool[];
  };
  image?: { source: string; repository: string; tag: string; deleteOnTeardown: boolean };
  /** gkeflow's own Deployment (with `service`); absent when the spec has `app`. */
  deployment?: {
    name: string;
    namespace: string;
    replicas: number;
    containers: SpecContainer[];
    labels: Record<string, string>;
    nodePool?: string | undefined;
  };
  /** gkeflow's own LoadBalancer Service (with `deployment`); absent when the spec has `app`. */
  service?: {
    name: string;
    type: 'LoadBalancer';
    ports: Array<{ name?: string | undefined; port: number; targetPort: number; protocol: 'TCP' | 'UDP' }>;
  };
  /** The user's own manifests (instead of `deployment` + `service`). */
  app?: SpecApp;
  steps: PlanStep[];
  probe: { enabled: boolean; path: string; expectStatus: number; port: number };
  ttl: string;
  healthCheck: { enabled: boolean; interval: string };
  labels: Record<string, string>;
}

/**
 * Where an environment's endpoint lives, whichever workload it has: the namespace and the
 * LoadBalancer Service of gkeflow's own Deployment, or of the app (`app.endpoint.service`).
 */
export function endpointOf(spec: Pick<EnvironmentSpec, 'deployment' | 'service' | 'app'>): {
  namespace: string;
  service: string;
} {
  if (spec.app) return { namespace: spec.app.namespace, service: spec.app.endpoint.service };
  return { namespace: spec.deployment?.namespace ?? 'default', service: spec.service?.name ?? '' };
}
