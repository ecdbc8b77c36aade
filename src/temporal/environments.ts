/**
 * Client-side operations on environment workflows: start-or-attach, find by name, status,
 * teardown. Used by the CLI and the e2e tests; holds no workflow logic.
 */
import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ENV_ID_PREFIX, parseEnvId, shortNameOf } from '../contract/environment-id';
import { UsageError } from '../config/errors';
import { installationOwner } from '../config/installation';
import { toProvisionInput, type EnvironmentSpec } from '../envspec';
import { statusQuery } from '../contract/messages';
import type { Payload } from '@temporalio/common';
import { decodeFromPayloadsAtIndex, loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import type { EnvironmentStatus, ProvisionInput, ProvisionTuning } from '../contract/workflow-input';
import type { EnvironmentSpec as Spec } from '../contract/environment-spec';
import { ENVIRONMENT_WORKFLOW } from '../contract/messages';
import { environmentStartOptions } from '../workflows/start';
import { dataConverterFor, taskQueueFor, type TemporalConfig } from './connection';
import { retryWhileAttributesSettle } from './search-attributes';

export interface Started {
  envId: string;
  runId: string;
  /** false when a run for this environment was already open and we attached to it. */
  started: boolean;
  uiLink: string;
}

/** Link to a run in the Temporal Web UI. */
export function uiLink(cfg: TemporalConfig, envId: string, runId?: string): string {
  return `${cfg.uiUrl}/namespaces/${encodeURIComponent(cfg.namespace)}/workflows/${encodeURIComponent(envId)}${runId ? `/${runId}/history` : ''}`;
}

/** Starts the environment workflow of a validated spec, or attaches to the open one, on its target's task queue. */
export async function startEnvironment(
  client: Client,
  cfg: TemporalConfig,
  spec: EnvironmentSpec,
  tuning?: ProvisionTuning,
): Promise<Started> {
  // The owner is this installation's in this namespace (src/config/installation.ts): the reaper judges only its own.
  const input = { ...toProvisionInput(spec, tuning), owner: installationOwner(client.options.namespace) };
  const options = environmentStartOptions(input);
  const envId = options.workflowId;
  const before = await client.workflow
    .getHandle(envId)
    .describe()
    .catch(() => undefined);
  const taskQueue = taskQueueFor(spec.target, cfg);
  // Right after `temporal setup` the attributes may not be in effect yet: the refused start made nothing, so retry it.
  const handle = await retryWhileAttributesSettle(client.options.namespace, () =>
    client.workflow.start(ENVIRONMENT_WORKFLOW, { ...options, taskQueue, args: [input] }),
  );
  const runId = handle.firstExecutionRunId;
  const attached = before?.status.name === 'RUNNING' && before.runId === runId;
  return { envId, runId, started: !attached, uiLink: uiLink(cfg, envId, runId) };
}

/**
 * Resolves what the user typed to an environment id: a full id `gkeflow/P/L/C[/NS]`, or a short
 * name (a cluster's, or a namespace environment's namespace) when exactly one environment has it.
 */
export async function resolveEnvId(client: Client, ref: string): Promise<string> {
  if (ref.startsWith(ENV_ID_PREFIX)) return ref;
  if (!/^[a-z][-a-z0-9]*$/.test(ref))
    throw new UsageError(
      `<env> '${ref}': expected an environment id gkeflow/<project>/<location>/<cluster> or a cluster name`,
    );
  const ids = new Set<string>();
  for await (const wf of client.workflow.list({
    query: `WorkflowType = '${ENVIRONMENT_WORKFLOW}' AND WorkflowId STARTS_WITH '${ENV_ID_PREFIX}'`,
  })) {
    const env = parseEnvId(wf.workflowId);
    if (env && shortNameOf(env) === ref) ids.add(wf.workflowId);
  }
  if (ids.size === 0)
    throw new UsageError(`no environment has a cluster named '${ref}' (see 'gkeflow list')`, 'GKF-ENV-NOT-FOUND');
  if (ids.size > 1)
    throw new UsageError(
      `cluster name '${ref}' is ambiguous: ${[...ids].sort().join(', ')}; pass the full id`,
      'GKF-ENV-AMBIGUOUS',
    );
  return [...ids][0]!;
}

/** The handle of an environment's latest run; a clear error when there is none. */
export async function envHandle(client: Client, envId: string): Promise<WorkflowHandle> {
  const h = client.workflow.getHandle(envId);
  try {
    await h.describe();
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) throw new UsageError(`no environment ${envId}`, 'GKF-ENV-NOT-FOUND');
    throw e;
  }
  return h;
}

/** The environment's status (live query on an open run). */
export async function envStatus(
  client: Client,
  envId: string,
): Promise<{ status?: EnvironmentStatus; runStatus: string; runId: string }> {
  const h = await envHandle(client, envId);
  const d = await h.describe();
  if (d.status.name !== 'RUNNING') return { runStatus: d.status.name, runId: d.runId };
  return { status: await h.query(statusQuery), runStatus: d.status.name, runId: d.runId };
}

/**
 * The target an environment runs on, read from its workflow's start input (the spec it was
 * started with), so `kubeconfig` follows the environment and not the CLI's GKEFLOW_TARGET.
 */
export async function environmentTarget(client: Client, cfg: TemporalConfig, envId: string): Promise<Spec['target']> {
  const res = await client.workflowService.getWorkflowExecutionHistory({
    namespace: cfg.namespace,
    execution: { workflowId: envId },
    maximumPageSize: 1,
  });
  const started = res.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
  const input = await decodeFromPayloadsAtIndex<Pick<ProvisionInput, 'spec'>>(
    loadDataConverter(dataConverterFor(cfg)),
    0,
    started?.input?.payloads as Payload[] | undefined,
  );
  return input.spec.target;
}
