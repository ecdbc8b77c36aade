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
      { key: SA.cluster, value: s.cluster.name },
      { key: SA.phase, value: 'provisioning' },
      { key: SA.expiresAt, value: expiresAt },
    ],
    staticSummary:
      `GKE environment **${s.cluster.name}** in ${s.location} (${s.project}): ` +
      `${s.deployment.name} × ${s.deployment.replicas} behind a LoadBalancer, TTL ${s.ttl}`,
    staticDetails: [
      `Cluster: ${s.cluster.name} (${s.cluster.mode}), nodes: ${pools}`,
      s.image ? `Image: ${s.image.source} → ${s.image.repository}:${s.image.tag}` : 'Image: none pushed',
      `Deployment: ${s.deployment.namespace}/${s.deployment.name}, ${s.deployment.replicas} replicas`,
      `Service: ${s.service.name} (LoadBalancer) ports ${s.service.ports.map((p) => `${p.port}→${p.targetPort}`).join(', ')}`,
      `Plan: ${s.steps.map((st) => (st.resize ? `resize ${st.resize.pool} to ${st.resize.nodeCount}` : `scale to ${st.scale}`)).join(' → ') || 'none'}`,
    ].join('\n'),
  };
}
