/**
 * The contract between the workflows (src/workflows) and the activities (src/activities).
 * Plain JSON data only: everything here goes into workflow history, so it must never hold a
 * credential, token, kubeconfig, CA or client certificate. Activities look those up themselves
 * from the target (local emulator or GCP) by the environment's coordinates.
 */
import type { TeardownResult } from '../workflows/definitions';
import type {
  ClusterSummary,
  EndEnvironmentInput,
  EnvironmentIdsByHashInput,
  EnvironmentResources,
  ListClustersInput,
  OpenEnvironmentsInput,
} from './reaper';

/** Where an environment lives. `id` is the workflow id `gkeflow/<project>/<location>/<cluster>`. */
export interface EnvRef {
  id: string;
  project: string;
  location: string;
  cluster: string;
}

/** Labels every created resource carries (`managed-by: gkeflow`, `gkeflow-env`, `gkeflow-expires-at`). */
export type ResourceLabels = Record<string, string>;

// ---------- registry ----------

/** A source image: an OCI archive (tar), an OCI layout directory, a registry reference, or gkeflow's builtin demo image. */
export type ImageSource =
  | { kind: 'oci-archive'; path: string }
  | { kind: 'oci-layout'; path: string; tag?: string }
  | { kind: 'registry'; reference: string }
  /** A tiny real image gkeflow builds locally (spec source `builtin:demo`), so the demo needs no Docker Hub. */
  | { kind: 'builtin'; name: 'demo' };

export interface PushImageInput {
  env: EnvRef;
  source: ImageSource;
  /** Destination repository without tag, e.g. `asia-docker.pkg.dev/P/REPO/tensorflow` or `127.0.0.1:5000/P/REPO/tensorflow`. */
  repository: string;
  tag: string;
}

export interface PushImageResult {
  /** `sha256:…` digest of the pushed manifest. */
  digest: string;
  /** `repository@digest`: what the Deployment runs. */
  reference: string;
  bytesUploaded: number;
  bytesSkipped: number;
  /**
   * The Artifact Registry repository the push created again for this environment (another
   * environment sharing it had deleted it, empty): this environment's cleanup deletes it once empty.
   */
  repositoryCreated?: string;
}

export interface DeleteImageTagInput {
  env: EnvRef;
  repository: string;
  tag: string;
}

export interface EnsureRepositoryInput {
  env: EnvRef;
  /** The image repository the push goes to, e.g. `asia-docker.pkg.dev/P/REPO/tensorflow`. */
  repository: string;
}

export interface EnsureRepositoryResult {
  /** `projects/P/locations/L/repositories/R`; absent when the image is not on an Artifact Registry repository. */
  repository?: string;
  /** gkeflow created the repository for this environment: its compensation may delete it. */
  created: boolean;
}

export interface DeleteRepositoryInput {
  env: EnvRef;
  /** `projects/P/locations/L/repositories/R` */
  name: string;
}

export interface ListRepositoriesInput {
  project: string;
  /** An Artifact Registry location, or `-` for every location. */
  location: string;
}

/** One Artifact Registry repository as the reaper sees it (plain JSON). */
export interface RepositorySummary {
  /** `projects/P/locations/L/repositories/R` */
  name: string;
  labels: Record<string, string>;
  /** Creation time, epoch ms (0 when the API did not say). */
  createdAtMs: number;
  /** How many images it holds; counted only for repositories labelled managed-by: gkeflow. */
  images?: number;
}

// ---------- gke ----------

export interface NodePoolInput {
  name: string;
  machineType: string;
  /** Nodes per zone, as GKE counts them (a regional cluster has three times as many). */
  nodeCount: number;
  diskSizeGb?: number;
  autoscaling?: { minNodeCount: number; maxNodeCount: number };
  labels?: Record<string, string>;
}

export interface EnsureClusterInput {
  env: EnvRef;
  nodePools: NodePoolInput[];
  labels: ResourceLabels;
  /** Standard (default) or Autopilot. */
  mode?: 'standard' | 'autopilot';
  releaseChannel?: 'RAPID' | 'REGULAR' | 'STABLE' | 'EXTENDED';
  /** The nodes' IAM service account (email); GKE's default is the Compute Engine default service account. */
  serviceAccount?: string;
  /** VPC network and subnetwork (names or resource paths); GKE's default is `default`. */
  network?: string;
  subnetwork?: string;
}

export interface EnsureClusterResult {
  /** true when this call created it; false when an existing cluster of this environment was adopted. */
  created: boolean;
  status: string;
  /** Public endpoint host (no credentials). */
  endpoint: string;
  /** Nodes in all the cluster's zones (GKE's counts in the spec are per zone). */
  nodeCount: number;
  /** Zones the nodes run in: 1 for a zonal cluster, 3 for a regional one. Absent in older histories. */
  zones?: number;
}

export interface ResizeNodePoolInput {
  env: EnvRef;
  pool: string;
  nodeCount: number;
}

export interface DeleteClusterResult {
  /** false when it was already gone (NOT_FOUND counts as done). */
  deleted: boolean;
}

export interface SetClusterLabelsInput {
  env: EnvRef;
  /** Labels to set or overwrite; every other label of the cluster is kept. */
  labels: ResourceLabels;
}

/** What checkHealth looks at: the environment's cluster, Deployment and Service. */
export interface HealthCheckInput {
  env: EnvRef;
  namespace: string;
  deployment: string;
  service: string;
}

/** What checkHealth saw. Plain facts; the workflow decides what counts as drift. */
export interface HealthReport {
  /** GKE's cluster status (RUNNING, RECONCILING, …), or `MISSING` when GKE answers NOT_FOUND. */
  cluster: string;
  /** Each node pool's size (nodes per zone) and status, as GKE reports them. */
  pools: Array<{ name: string; nodeCount: number; status: string }>;
  /** The Kubernetes side, when the cluster has a control plane that answered. */
  kube?: {
    nodesReady: number;
    /** Absent when the Deployment does not exist. */
    deployment?: { replicas: number; availableReplicas: number };
    /** The Service's external IP; absent when the Service or its IP is gone. */
    serviceIp?: string;
    serviceExists: boolean;
  };
  /** Why the Kubernetes side was not checked (no control plane, API unreachable). */
  kubeUnchecked?: string;
}

// ---------- kube ----------

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
}

/** deleteRepository's result: `kept` says why a repository that still exists was not deleted. */
export interface DeleteRepositoryResult extends DeleteResult {
  kept?: string;
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

/**
 * The activity functions, as built by createActivities(deps) in src/activities/index.ts.
 * Workflows proxy this type; activities implement it.
 */
export interface GkeflowActivities {
  ensureRepository(input: EnsureRepositoryInput): Promise<EnsureRepositoryResult>;
  pushImage(input: PushImageInput): Promise<PushImageResult>;
  deleteImageTag(input: DeleteImageTagInput): Promise<DeleteResult>;
  deleteRepository(input: DeleteRepositoryInput): Promise<DeleteRepositoryResult>;
  listRepositories(input: ListRepositoriesInput): Promise<RepositorySummary[]>;
  ensureCluster(input: EnsureClusterInput): Promise<EnsureClusterResult>;
  resizeNodePool(input: ResizeNodePoolInput): Promise<void>;
  deleteCluster(input: { env: EnvRef }): Promise<DeleteClusterResult>;
  setClusterLabels(input: SetClusterLabelsInput): Promise<void>;
  checkHealth(input: HealthCheckInput): Promise<HealthReport>;
  applySecretEnv(input: ApplySecretEnvInput): Promise<ApplySecretEnvResult>;
  applyDeployment(input: ApplyDeploymentInput): Promise<RolloutResult>;
  applyService(input: ApplyServiceInput): Promise<void>;
  waitForExternalIp(input: ResourceRef): Promise<ExternalIpResult>;
  scaleDeployment(input: ScaleDeploymentInput): Promise<RolloutResult>;
  deleteService(input: ResourceRef): Promise<DeleteResult>;
  deleteDeployment(input: ResourceRef): Promise<DeleteResult>;
  probeEndpoint(input: ProbeEndpointInput): Promise<ProbeEndpointResult>;
  // The reaper's (src/activities/reaper.ts).
  listClusters(input: ListClustersInput): Promise<ClusterSummary[]>;
  knownProjects(): Promise<string[]>;
  openEnvironments(input: OpenEnvironmentsInput): Promise<string[]>;
  endEnvironment(input: EndEnvironmentInput): Promise<TeardownResult>;
  environmentResources(input: OpenEnvironmentsInput): Promise<Record<string, EnvironmentResources>>;
  environmentIdsByHash(input: EnvironmentIdsByHashInput): Promise<Record<string, string>>;
}
