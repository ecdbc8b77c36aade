/**
 * The walkthrough's steps, keyed by the activity that performs each: the resource it acts on,
 * its timeout class (which activity proxy runs it), and its one-line Web UI summary. The
 * workflows run every step through this table, so a step is one line there and both workflows
 * that tear down share the same deletes. Workflow-safe: types and pure functions only.
 */
import type { GkeflowActivities } from './activities';
import { perZoneText, poolSizeText } from '../gke/rules';
import type { EnvironmentSpec } from './environment-spec';
import type { ResourceKind } from './resource-kinds';

/**
 * Which activity options a step runs with: quick API calls or long waits (heartbeats), with
 * provisioning retries (a cancel waits for the call to stop) or cleanup retries (more attempts).
 */
export type TimeoutClass = 'short' | 'long' | 'cleanup-short' | 'cleanup-long';

/** A step's name: the activity that performs it. */
export type StepName = keyof GkeflowActivities;
export type StepInput<K extends StepName> = Parameters<GkeflowActivities[K]>[0];
export type StepResult<K extends StepName> = Awaited<ReturnType<GkeflowActivities[K]>>;

/** One step of the walkthrough. */
export interface StepDef<K extends StepName> {
  /** The resource the step acts on. */
  kind: ResourceKind;
  timeout: TimeoutClass;
  /** The step creates `kind`: the saga registers its delete (state `creating`) before it runs. */
  creates: boolean;
  /** The Web UI summary. `spec` is the environment's (absent in teardownWorkflow, which only deletes). */
  summary: (input: StepInput<K>, spec?: EnvironmentSpec) => string;
  /** How failure details name the step; default the activity name. */
  label?: (input: StepInput<K>) => string;
}

const ports = (ps: Array<{ port: number }>) => ps.map((p) => p.port).join(', ');
/** Pool sizes as GKE counts them: per zone, with the total for a regional cluster. */
const pools = (i: StepInput<'ensureCluster'>) =>
  i.nodePools.map((p) => poolSizeText(p.nodeCount, p.machineType, i.env.location)).join(' + ');
const containerPorts = (i: StepInput<'applyDeployment'>) =>
  i.containers.flatMap((c) => c.ports.map((p) => p.containerPort)).join(', ') || 'none';

/** Every step, in walkthrough order: provisioning, the plan's changes, then the deletes. */
export const STEPS: { [K in StepName]: StepDef<K> } = {
  ensureRepository: {
    kind: 'image',
    timeout: 'short',
    creates: false,
    summary: (i) => `Create the Artifact Registry repository of ${i.repository} if it is missing`,
  },
  pushImage: {
    kind: 'image',
    timeout: 'long',
    creates: true,
    summary: (i, spec) => `Push image ${spec?.image?.source} → ${i.repository}:${i.tag}`,
  },
  ensureCluster: {
    kind: 'cluster',
    timeout: 'long',
    creates: true,
    summary: (i) =>
      i.mode === 'autopilot'
        ? `Create Autopilot cluster ${i.env.cluster} in ${i.env.location}`
        : `Create cluster ${i.env.cluster} (${pools(i)}) in ${i.env.location}`,
  },
  // A namespace environment (spec cluster.existing): its namespace instead of a cluster.
  ensureNamespace: {
    kind: 'namespace',
    timeout: 'short',
    creates: true,
    summary: (i) =>
      `Create namespace ${i.namespace} on cluster ${i.env.cluster} (not gkeflow's)${
        i.quota
          ? ` with ResourceQuota ${Object.entries(i.quota)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')}`
          : ''
      }`,
  },
  applySecretEnv: {
    kind: 'deployment',
    timeout: 'short',
    creates: false,
    summary: (i) =>
      `Store env ${Object.keys(i.sources).join(', ')} of ${i.deployment} in a Secret (read by the worker)`,
  },
  applyDeployment: {
    kind: 'deployment',
    timeout: 'long',
    creates: true,
    summary: (i) => `Deploy ${i.name} (${i.replicas} replicas, port ${containerPorts(i)})`,
  },
  applyService: {
    kind: 'service',
    timeout: 'short',
    creates: true,
    summary: (i, spec) =>
      `Expose ${spec?.deployment?.name} as LoadBalancer Service ${i.name} on port ${ports(i.ports)}`,
  },
  waitForExternalIp: {
    kind: 'service',
    timeout: 'long',
    creates: false,
    summary: (i) => `Wait for the external IP of Service ${i.name}`,
  },
  probeEndpoint: {
    kind: 'service',
    timeout: 'short',
    creates: false,
    summary: (i) => `Verify ${i.url} answers ${i.expectStatus}`,
  },
  scaleDeployment: {
    kind: 'deployment',
    timeout: 'long',
    creates: false,
    summary: (i) => `Scale ${i.name} to ${i.replicas} pods`,
    label: (i) => `scale ${i.replicas}`,
  },
  resizeNodePool: {
    kind: 'cluster',
    timeout: 'long',
    creates: false,
    summary: (i) => `Resize node pool ${i.pool} to ${perZoneText(i.nodeCount, i.env.location)}`,
    label: (i) => `resize ${i.pool} ${i.nodeCount}`,
  },
  setClusterLabels: {
    kind: 'cluster',
    timeout: 'short',
    creates: false,
    summary: (i) =>
      `Label cluster ${i.env.cluster}: ${Object.entries(i.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
  },
  checkHealth: {
    kind: 'cluster',
    timeout: 'short',
    creates: false,
    summary: (i) =>
      `Check cluster ${i.env.cluster}, ${i.deployment ? `Deployment ${i.deployment} and ` : ''}Service ${i.service}`,
  },
  sweepHealth: {
    kind: 'cluster',
    timeout: 'short',
    creates: false,
    summary: (i) =>
      `Sweep ${i.project}/${i.location}: list clusters once, read ${i.targets.length} environment(s)' nodes, Deployments and Services`,
  },
  // The user's app (spec `app:`): one ApplySet, counted as the `service` resource, because what
  // it holds may own load balancers that must be released before the cluster goes.
  applyApp: {
    kind: 'service',
    timeout: 'long',
    creates: true,
    summary: (i) =>
      `Apply the app (bundle ${i.bundle.slice(i.bundle.indexOf('@') + 1, i.bundle.indexOf('@') + 20)}…) as one ApplySet in ${i.namespace}; wait for rollouts and Service ${i.endpoint.service}'s IP`,
  },
  deleteApp: {
    kind: 'service',
    timeout: 'cleanup-long',
    creates: false,
    summary: (i) =>
      `Delete the app's ApplySet in ${i.namespace}: load balancers and Ingresses first (until released), then every member`,
  },
  deleteService: {
    kind: 'service',
    timeout: 'cleanup-long',
    creates: false,
    summary: (i) => `Delete Service ${i.name} and wait for its load balancer to be released`,
  },
  deleteDeployment: {
    kind: 'deployment',
    timeout: 'cleanup-short',
    creates: false,
    summary: (i) => `Delete Deployment ${i.name}`,
  },
  deleteCluster: {
    kind: 'cluster',
    timeout: 'cleanup-long',
    creates: false,
    summary: (i) => `Delete cluster ${i.env.cluster}`,
  },
  deleteNamespace: {
    kind: 'namespace',
    timeout: 'cleanup-long',
    creates: false,
    summary: (i) =>
      `Delete namespace ${i.namespace} on cluster ${i.env.cluster}: load balancers and Ingresses first (until released); the cluster stays`,
  },
  deleteImageTag: {
    kind: 'image',
    timeout: 'cleanup-short',
    creates: false,
    summary: (i) => `Delete image tag ${i.repository}:${i.tag}`,
  },
  deleteRepository: {
    kind: 'image',
    timeout: 'cleanup-short',
    creates: false,
    summary: (i) => `Delete repository ${i.name} (created by gkeflow for this environment) once it is empty`,
  },
  listRepositories: {
    kind: 'image',
    timeout: 'short',
    creates: false,
    summary: (i) =>
      `List Artifact Registry repositories in ${i.project}, location ${i.location === '-' ? 'all' : i.location}`,
  },
  // The reaper's steps (reaperWorkflow): it reads clusters and environments, and ends expired live ones.
  listClusters: {
    kind: 'cluster',
    timeout: 'short',
    creates: false,
    summary: (i) => `List clusters in ${i.project}, location ${i.location === '-' ? 'all' : i.location}`,
  },
  listClusterTable: {
    kind: 'cluster',
    // One ListClusters of a whole project (a thousand full Cluster messages may take seconds): heartbeats while it lists.
    timeout: 'long',
    creates: false,
    summary: (i) => `List every cluster in ${i.project}, location ${i.location === '-' ? 'all' : i.location}, once`,
  },
  listNamespaces: {
    kind: 'namespace',
    timeout: 'short',
    creates: false,
    summary: (i) => `List gkeflow's namespaces on cluster ${i.cluster} (${i.project}, ${i.location})`,
  },
  listNamespacesBatch: {
    kind: 'namespace',
    timeout: 'short',
    creates: false,
    summary: (i) => `List gkeflow's namespaces on ${i.clusters.length} clusters`,
  },
  knownProjects: {
    kind: 'cluster',
    timeout: 'short',
    creates: false,
    summary: () => 'Find the projects of known environments (GkeflowProject) and GKEFLOW_PROJECTS',
  },
  openEnvironments: {
    kind: 'cluster',
    timeout: 'short',
    creates: false,
    summary: (i) => `Check which of ${i.ids.length} environments have an open workflow`,
  },
  endEnvironment: {
    kind: 'cluster',
    timeout: 'cleanup-long',
    creates: false,
    summary: (i) => `End ${i.envId} through its teardown update (${i.reason})`,
  },
  checkTeardown: {
    kind: 'cluster',
    timeout: 'cleanup-short',
    creates: false,
    summary: (i) =>
      `Re-check ${i.env.cluster} before deleting (${i.guard.reason}): owner, protect, expiry, open workflow`,
  },
  environmentResources: {
    kind: 'cluster',
    timeout: 'short',
    creates: false,
    summary: (i) => `Read the Service, Deployment and image of ${i.ids.length} environments from their last runs`,
  },
  environmentIdsByHash: {
    kind: 'image',
    timeout: 'short',
    creates: false,
    summary: (i) => `Find the environments of ${i.hashes.length} gkeflow-env labels among known runs`,
  },
};

/** How failure details and status name a step with this input (`ensureCluster`, `scale 3`, …). */
export function stepLabel<K extends StepName>(name: K, input: StepInput<K>): string {
  const label = (STEPS[name] as StepDef<K>).label;
  return label ? label(input) : name;
}

/** The Web UI summary of a step with this input. */
export function stepSummary<K extends StepName>(name: K, input: StepInput<K>, spec?: EnvironmentSpec): string {
  return (STEPS[name] as StepDef<K>).summary(input, spec);
}

/**
 * The provisioning steps in the order a run takes them (each only when its spec needs it),
 * before its plan's scale and resize steps: the table's entries up to the plan's first step.
 * Tests that count a run's steps derive their lists from it.
 */
export const PROVISIONING_STEPS: readonly StepName[] = (Object.keys(STEPS) as StepName[]).slice(
  0,
  Object.keys(STEPS).indexOf('scaleDeployment'),
);
