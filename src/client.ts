/**
 * The typed client helper of the library: start an environment from a spec, follow it, tear it
 * down, with a Client the team already has (its connection, namespace, interceptors, codec).
 */
import type { Client } from '@temporalio/client';
import { readEndpoints } from './config/endpoints';
import { statusQuery, teardownUpdate, type TeardownResult } from './contract/messages';
import type { EnvironmentStatus, ProvisionTuning } from './contract/workflow-input';
import { validateSpec, type EnvironmentSpec } from './envspec';
import { startEnvironment as startOrAttach, type Started } from './temporal/environments';

export interface StartEnvironmentOptions {
  /** The task queue your worker polls (default: gkeflow's queue for the spec's target). */
  taskQueue?: string;
  /** Timeouts and retries of this run's steps. */
  tuning?: ProvisionTuning;
  /** The Web UI the returned link points at (default: GKEFLOW_UI_URL or the local stack's). */
  uiUrl?: string;
}

/**
 * Starts the environment workflow of a spec (a validated EnvironmentSpec, or the parsed YAML
 * document, validated here: SpecValidationError names every bad field), or attaches to its open
 * run. The workflow id is the environment id `gkeflow/<project>/<location>/<cluster>`.
 */
export function startEnvironment(
  client: Client,
  spec: EnvironmentSpec | Record<string, unknown>,
  opts: StartEnvironmentOptions = {},
): Promise<Started> {
  // validateSpec freezes what it returns: a frozen spec has been validated already.
  const valid = Object.isFrozen(spec) ? (spec as EnvironmentSpec) : validateSpec(spec);
  const cfg = {
    address: '',
    namespace: client.options.namespace,
    taskQueue: opts.taskQueue,
    uiUrl: opts.uiUrl ?? readEndpoints().uiUrl,
  };
  return startOrAttach(client, cfg, valid, opts.tuning);
}

/** The environment's live status (a query on its open run). */
export function environmentStatus(client: Client, envId: string): Promise<EnvironmentStatus> {
  return client.workflow.getHandle(envId).query(statusQuery);
}

/** Tears the environment down and returns what was cleaned and what was left over. */
export function teardown(client: Client, envId: string, reason = 'gkeflow library'): Promise<TeardownResult> {
  return client.workflow.getHandle(envId).executeUpdate(teardownUpdate, { args: [{ reason }] });
}

export type { Started };
