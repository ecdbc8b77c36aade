import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { CliError, UsageError } from '../../errors';
import { connectClient, temporalConfig } from '../../temporal/connection';
import { envHandle, resolveEnvId } from '../../temporal/environments';
import type { CommandInput } from '../table';

/** Failure types of an update that ran and failed (exit 1); anything else was a rejection by its validator (exit 2). */
const RUN_FAILURES = new Set(['ScaleFailedError', 'ResizeFailedError', 'EnvironmentClosingError']);

function wholeNumber(flag: string, v: unknown): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw new UsageError(`--${flag}: a whole number is required (got ${v === undefined ? 'nothing' : `'${String(v)}'`})`);
  return n;
}

async function sendUpdate(envRef: string, name: 'scale' | 'resize', arg: object, out: (l: string) => void, err: (l: string) => void): Promise<void> {
  const { client, close } = await connectClient(temporalConfig());
  try {
    const envId = await resolveEnvId(client, envRef);
    const h = await envHandle(client, envId);
    err(`${name} ${envId}: ${JSON.stringify(arg)} …`);
    try {
      const res = await h.executeUpdate(name, { args: [arg] });
      out(`${envId}: ${JSON.stringify(res)}`);
    } catch (e) {
      if (!(e instanceof WorkflowUpdateFailedError)) throw e;
      const cause = e.cause instanceof ApplicationFailure ? e.cause : undefined;
      if (cause?.type && RUN_FAILURES.has(cause.type)) throw new CliError(`${name} failed: ${cause.message}`, 1, 'GKF-RUN-FAILED');
      throw new UsageError(`${name} rejected: ${cause?.message ?? e.message}`);
    }
  } finally {
    await close();
  }
}

/** `gkeflow scale ENV --replicas N`: scale the Deployment and wait for the ready replicas. */
export async function scaleCommand({ flags, args, out, err }: CommandInput): Promise<void> {
  const replicas = wholeNumber('replicas', flags.replicas);
  await sendUpdate(args[0]!, 'scale', { replicas }, out, err);
}

/** `gkeflow resize ENV --pool P --nodes N`: resize a node pool and wait for GKE to finish. */
export async function resizeCommand({ flags, args, out, err }: CommandInput): Promise<void> {
  const nodeCount = wholeNumber('nodes', flags.nodes);
  if (typeof flags.pool !== 'string' || !flags.pool) throw new UsageError('--pool: the node pool name is required');
  await sendUpdate(args[0]!, 'resize', { pool: flags.pool, nodeCount }, out, err);
}
