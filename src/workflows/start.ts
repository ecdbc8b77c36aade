/**
 * How clients start an environment workflow: its id, "start twice attaches" (USE_EXISTING),
 * search attributes from the first moment, and the static summary/details the Web UI shows.
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type BaseWorkflowOptions } from '@temporalio/common';
import { SEARCH_ATTRIBUTES as SA } from '../contract/labels';
import { poolSizeText } from '../gke/rules';
import { envIdOf } from '../contract/provision-input';
import { parseDuration } from '../envspec/names';
import type { ProvisionInput } from '../contract/workflow-input';
import { appSourceOf, clusterNameOf, type EnvironmentSpec } from '../contract/environment-spec';

/**
 * Options for `client.workflow.start(environmentWorkflow, {...environmentStartOptions(input, now), taskQueue, args: [input]})`.
 * Starting an environment that is already running attaches to it; a torn-down one may be started again.
 */
export function environmentStartOptions(
  input: ProvisionInput,
  now = new Date(),
): { workflowId: string } & Required<
  Pick<
    BaseWorkflowOptions,
    'workflowIdConflictPolicy' | 'workflowIdReusePolicy' | 'typedSearchAttributes' | 'staticSummary' | 'staticDetails'
  >
> {
  const s = input.spec;
  const expiresAt = new Date(now.getTime() + (parseDuration(s.ttl) ?? 0));
  const pools =
    s.cluster.nodePools.map((p) => `${poolSizeText(p.nodeCount, p.machineType, s.location)} (${p.name})`).join(', ') ||
    'Autopilot';
  return {
    workflowId: envIdOf(s),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    typedSearchAttributes: [
      { key: SA.project, value: s.project },
      { key: SA.location, value: s.location },
      { key: SA.cluster, value: clusterNameOf(s) },
      { key: SA.phase, value: 'provisioning' },
      { key: SA.expiresAt, value: expiresAt },
    ],
    staticSummary:
      `GKE environment **${s.cluster.existing !== undefined ? `${s.cluster.namespace} on ${s.cluster.existing}` : s.cluster.name}** in ${s.location} (${s.project}): ` +
      `${workload(s)} behind a LoadBalancer, TTL ${s.ttl}`,
    staticDetails: [
      s.cluster.existing !== undefined
        ? `Namespace ${s.cluster.namespace} on cluster ${s.cluster.existing} (not gkeflow's: never created, resized or deleted)`
        : `Cluster: ${s.cluster.name} (${s.cluster.mode}), nodes: ${pools}`,
      s.image ? `Image: ${s.image.source} → ${s.image.repository}:${s.image.tag}` : 'Image: none pushed',
      ...workloadDetails(s),
      `Plan: ${s.steps.map((st) => (st.resize ? `resize ${st.resize.pool} to ${st.resize.nodeCount}` : `scale to ${st.scale}`)).join(' → ') || 'none'}`,
    ].join('\n'),
  };
}

/** The summary's workload: gkeflow's own Deployment, or the app's endpoint Service. */
function workload(s: EnvironmentSpec): string {
  if (s.deployment) return `${s.deployment.name} × ${s.deployment.replicas}`;
  return `app ${s.app?.namespace}/${s.app?.endpoint.service}`;
}

function workloadDetails(s: EnvironmentSpec): string[] {
  if (s.app)
    return [
      `App: ${appSourceOf(s.app)}, namespace ${s.app.namespace}, bundle ${s.app.bundle ?? 'none'}`,
      `Endpoint: Service ${s.app.endpoint.service} port ${s.app.endpoint.port}`,
    ];
  const d = s.deployment;
  const svc = s.service;
  return [
    `Deployment: ${d?.namespace}/${d?.name}, ${d?.replicas} replicas`,
    `Service: ${svc?.name} (LoadBalancer) ports ${svc?.ports.map((p) => `${p.port}→${p.targetPort}`).join(', ')}`,
  ];
}
