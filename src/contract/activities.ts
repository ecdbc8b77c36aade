/**
 * The contract between the workflows (src/workflows) and the activities (src/activities): the
 * activity functions by name with their inputs and results (the *-io.ts files beside this one).
 * Everything crossing it goes into workflow history, so it never holds a credential, token,
 * kubeconfig, CA or client certificate; activities look those up from the target themselves.
 */
import type { EnvRef } from './environment-id';
import type { SweepHealthInput, SweepHealthResult } from './fleet-health';
import type {
  DeleteImageTagInput,
  DeleteRepositoryInput,
  DeleteRepositoryResult,
  EnsureRepositoryInput,
  EnsureRepositoryResult,
  ListRepositoriesInput,
  PushImageInput,
  PushImageResult,
  RepositorySummary,
} from './image-io';
import type {
  DeleteClusterResult,
  EnsureClusterInput,
  EnsureClusterResult,
  HealthCheckInput,
  HealthReport,
  ResizeNodePoolInput,
  SetClusterLabelsInput,
} from './cluster-io';
import type {
  ApplyDeploymentInput,
  ApplySecretEnvInput,
  ApplySecretEnvResult,
  ApplyServiceInput,
  DeleteResult,
  ExternalIpResult,
  ProbeEndpointInput,
  ProbeEndpointResult,
  ResourceRef,
  RolloutResult,
  ScaleDeploymentInput,
} from './workload-io';
import type {
  ClusterSummary,
  EndEnvironmentInput,
  CheckTeardownInput,
  EnvironmentIdsByHashInput,
  TeardownGuard,
  EnvironmentResources,
  ListClustersInput,
  ListClusterTableInput,
  ClusterTable,
  ListNamespacesInput,
  ListNamespacesBatchInput,
  NamespacesBatch,
  OpenEnvironmentsInput,
} from './reaper-io';
import type { TeardownResult } from './messages';
import type {
  DeleteNamespaceInput,
  DeleteNamespaceResult,
  EnsureNamespaceInput,
  EnsureNamespaceResult,
} from './namespace-io';
import type { ApplyAppInput, ApplyAppResult, DeleteAppInput, DeleteAppResult } from './app-io';

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
  /**
   * `guard`: a reaper's teardown (PATCHES.teardownOneGuard) hands deleteCluster its verdict to
   * re-check right before DeleteCluster; without it, deleteCluster reads its caller's input.
   */
  deleteCluster(input: { env: EnvRef; guard?: TeardownGuard }): Promise<DeleteClusterResult>;
  setClusterLabels(input: SetClusterLabelsInput): Promise<void>;
  checkHealth(input: HealthCheckInput): Promise<HealthReport>;
  sweepHealth(input: SweepHealthInput): Promise<SweepHealthResult>;
  applySecretEnv(input: ApplySecretEnvInput): Promise<ApplySecretEnvResult>;
  applyDeployment(input: ApplyDeploymentInput): Promise<RolloutResult>;
  applyService(input: ApplyServiceInput): Promise<void>;
  waitForExternalIp(input: ResourceRef): Promise<ExternalIpResult>;
  scaleDeployment(input: ScaleDeploymentInput): Promise<RolloutResult>;
  deleteService(input: ResourceRef): Promise<DeleteResult>;
  deleteDeployment(input: ResourceRef): Promise<DeleteResult>;
  probeEndpoint(input: ProbeEndpointInput): Promise<ProbeEndpointResult>;
  // The user's app as one ApplySet (src/activities/app-apply.ts, app-delete.ts; inputs in app-io.ts).
  applyApp(input: ApplyAppInput): Promise<ApplyAppResult>;
  deleteApp(input: DeleteAppInput): Promise<DeleteAppResult>;
  // A namespace environment's namespace (src/activities/namespace.ts; inputs in namespace-io.ts).
  ensureNamespace(input: EnsureNamespaceInput): Promise<EnsureNamespaceResult>;
  deleteNamespace(input: DeleteNamespaceInput): Promise<DeleteNamespaceResult>;
  // The reaper's (src/activities/reaper.ts; inputs in reaper-io.ts).
  listClusters(input: ListClustersInput): Promise<ClusterSummary[]>;
  listClusterTable(input: ListClusterTableInput): Promise<ClusterTable>;
  listNamespaces(input: ListNamespacesInput): Promise<ClusterSummary[]>;
  listNamespacesBatch(input: ListNamespacesBatchInput): Promise<NamespacesBatch>;
  knownProjects(): Promise<string[]>;
  openEnvironments(input: OpenEnvironmentsInput): Promise<string[]>;
  endEnvironment(input: EndEnvironmentInput): Promise<TeardownResult>;
  checkTeardown(input: CheckTeardownInput): Promise<void>;
  environmentResources(input: OpenEnvironmentsInput): Promise<Record<string, EnvironmentResources>>;
  environmentIdsByHash(input: EnvironmentIdsByHashInput): Promise<Record<string, string>>;
}
