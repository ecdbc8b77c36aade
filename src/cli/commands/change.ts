import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { failureExitCode } from '../../contract/failures';
import { CliError, UsageError } from '../../config/errors';
import { connectClient, temporalConfig } from '../../temporal/connection';
import { envHandle, envStatus, resolveEnvId } from '../../temporal/environments';
import type { EnvironmentStatus } from '../../contract/workflow-input';
import { extendUpdate, resizeUpdate, scaleUpdate } from '../../contract/messages';
import { withUpdate } from '../../temporal/update-support';
import type { CommandInput } from '../command';
import { timeoutFlag, ttlFlag } from '../flags';
import { emitResult } from '../output';
import { statusLine } from '../environment-view';
import { withWaitTimeout } from '../wait';

function wholeNumber(flag: string, v: unknown): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n))
    throw new UsageError(
      `--${flag}: a whole number is required (got ${v === undefined ? 'nothing' : `'${String(v)}'`})`,
    );
  return n;
}

/** How an update's result reads: what changed (from the status before), what is ready, how long it took. */
type Words<Ret> = (res: Ret, before: EnvironmentStatus | undefined, took: string) => string;

const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);

/**
 * Runs an update and prints its result in words. An update that ran and failed has a registered
 * failure type (exit 1); anything else was a rejection by its validator (exit 2).
 */
async function sendUpdate<Ret, Arg>(
  input: CommandInput,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
  words?: Words<Ret>,
): Promise<void> {
  const { out, err } = input;
  const envRef = input.args[0]!;
  const timeoutMs = timeoutFlag(input.flags);
  const name = update.name;
  const { client, close } = await connectClient(temporalConfig());
  try {
    const envId = await resolveEnvId(client, envRef);
    const h = await envHandle(client, envId);
    const run = (await h.describe()).status.name;
    if (run !== 'RUNNING')
      throw new UsageError(`ENV: ${envId} is closed (run ${run.toLowerCase()}); nothing to ${name}, nothing changed`);
    const before = (await envStatus(client, envId).catch(() => undefined))?.status;
    err(`${name} ${envId}: ${JSON.stringify(arg)} …`);
    try {
      const t0 = Date.now();
      const res = await withWaitTimeout(
        withUpdate(name, () => h.executeUpdate(update, { args: [arg] })),
        timeoutMs,
        envId,
        async () => {
          const now = (await envStatus(client, envId)).status;
          return now ? statusLine(now) : 'status unreadable';
        },
      );
      const took = seconds(Date.now() - t0);
      out(words ? `${envId}: ${words(res, before, took)}` : `${envId}: ${JSON.stringify(res)}`);
      emitResult(input, { envId, update: name, request: arg, result: res, tookMs: Date.now() - t0 });
    } catch (e) {
      if (!(e instanceof WorkflowUpdateFailedError)) throw e; // UpdateUnsupportedError among them
      const cause = e.cause instanceof ApplicationFailure ? e.cause : undefined;
      if (cause && failureExitCode(cause.type) === 1)
        throw new CliError(`${name} failed: ${cause.message}`, 'GKF-RUN-FAILED');
      throw new UsageError(`${name} rejected: ${cause?.message ?? e.message}`);
    }
  } finally {
    await close();
  }
}

/** `gkeflow scale ENV --replicas N`: scale the Deployment and wait for the ready replicas. */
export async function scaleCommand(input: CommandInput): Promise<void> {
  const replicas = wholeNumber('replicas', input.flags.replicas);
  await sendUpdate(input, scaleUpdate, { replicas }, (res, before, took) => {
    const from = before?.replicas;
    const change =
      from === undefined
        ? `scaled to ${replicas} replicas`
        : from === replicas
          ? `already at ${replicas} replicas, nothing changed`
          : `scaled from ${from} to ${replicas} replicas`;
    return `${change}; ${res.readyReplicas} of ${replicas} ready after ${took}`;
  });
}

/** `gkeflow resize ENV --pool P --nodes N`: resize a node pool and wait for GKE to finish. */
export async function resizeCommand(input: CommandInput): Promise<void> {
  const { flags } = input;
  const nodeCount = wholeNumber('nodes', flags.nodes);
  if (typeof flags.pool !== 'string' || !flags.pool) throw new UsageError('--pool: the node pool name is required');
  const pool = flags.pool;
  await sendUpdate(input, resizeUpdate, { pool, nodeCount }, (res, before, took) => {
    const from = before?.poolSizes[pool];
    const change =
      from === undefined
        ? `node pool ${pool} resized to ${res.nodeCount} nodes`
        : from === res.nodeCount
          ? `node pool ${pool} already has ${res.nodeCount} nodes, nothing changed`
          : `node pool ${pool} resized from ${from} to ${res.nodeCount} nodes`;
    return `${change}; GKE finished the resize after ${took}`;
  });
}

/** `gkeflow extend ENV --ttl 2h`: the environment now expires that long from now (timer and cluster label). */
export async function extendCommand(input: CommandInput): Promise<void> {
  const ttl = ttlFlag(input.flags.ttl);
  await sendUpdate(input, extendUpdate, { ttl });
}
