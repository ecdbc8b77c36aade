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

/** An app's Helm chart (absolute paths), rendered on the CLI side with `helm template`. */
export interface SpecHelm {
  chart: string;
  release: string;
  valuesFiles: string[];
  values: Record<string, unknown>;
}

/**
 * The user's app: one of `manifests` (a directory), `kustomize` (an overlay) or `helm` (a chart), absolute paths
 * on the machine that rendered them. The workflow never reads them: it gets the rendering by
 * digest (`bundle`), pushed by the CLI into the environment's Artifact Registry repository.
 */
export interface SpecApp {
  manifests?: string | undefined;
  kustomize?: string | undefined;
  helm?: SpecHelm | undefined;
  namespace: string;
  endpoint: { service: string; port: number };
  /** `REPOSITORY@sha256:…` of the rendered bundle; set by `gkeflow up`. */
  bundle?: string | undefined;
}

/**
 * The resources a namespace environment's ResourceQuota may bound (Kubernetes' `spec.hard`
 * keys gkeflow accepts): compute requests and limits, object counts, load balancers, storage.
 */
export const QUOTA_RESOURCES = [
  'cpu',
  'memory',
  'requests.cpu',
  'requests.memory',
  'limits.cpu',
  'limits.memory',
  'requests.storage',
  'pods',
  'services',
  'services.loadbalancers',
  'persistentvolumeclaims',
  'configmaps',
  'secrets',
] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

/** A validated, normalised environment spec: every default filled in. Frozen at runtime. */
export interface EnvironmentSpec {
  apiVersion: 'gkeflow/v1';
  kind: 'Environment';
  target: 'local' | 'gcp';
  project: string;
  location: string;
  cluster: {
    /** The cluster gkeflow creates; absent when the environment is a namespace on `existing`. */
    name?: string | undefined;
    /** A cluster gkeflow did not create and never changes: the environment is `namespace` on it. */
    existing?: string | undefined;
    /** A namespace environment's own namespace (with `existing`). */
    namespace?: string | undefined;
    /** The namespace's ResourceQuota `spec.hard` (with `existing`). */
    quota?: Partial<Record<QuotaResource, string>> | undefined;
    mode: 'standard' | 'autopilot';
    releaseChannel?: ReleaseChannel | undefined;
    serviceAccount?: string | undefined;
    useIpAliases?: true | undefined;
    network?: string | undefined;
    subnetwork?: string | undefined;
    nodePools: SpecNodePool[];
    workloadIdentity?: boolean | undefined;
    clusterSecondaryRangeName?: string | undefined;
    servicesSecondaryRangeName?: string | undefined;
    privateNodes?: boolean | undefined;
    controlPlaneEndpoints?:
      | {
          enablePublicEndpoint?: boolean | undefined;
          allowExternalTraffic?: boolean | undefined;
          workerInVpc?: boolean | undefined;
        }
      | undefined;
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

/** The cluster an environment lives on: the one it created, or the existing one its namespace is on. */
export function clusterNameOf(spec: { cluster: { name?: string | undefined; existing?: string | undefined } }): string {
  return spec.cluster.existing ?? spec.cluster.name ?? '';
}

/** How a CLI names where an environment lives: `NAME`, or `namespace NS on existing cluster NAME`. */
export function placeOf(spec: { cluster: EnvironmentSpec['cluster'] }): string {
  const c = spec.cluster;
  return c.existing !== undefined ? `namespace ${c.namespace} on existing cluster ${c.existing}` : (c.name ?? '');
}

/** What an app is rendered from, for people: `manifests DIR`, `kustomize DIR`, `helm chart DIR (release R)`. */
export function appSourceOf(app: SpecApp): string {
  if (app.helm) return `helm chart ${app.helm.chart} (release ${app.helm.release})`;
  return app.kustomize ? `kustomize ${app.kustomize}` : `manifests ${app.manifests}`;
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
