/**
 * How gkeflow reaches Temporal: the local dev server by default, any Temporal cluster or
 * Temporal Cloud by env vars.
 *
 * | env var                 | meaning                                            | default          |
 * |-------------------------|----------------------------------------------------|------------------|
 * | TEMPORAL_ADDRESS        | host:port of the frontend                          | `127.0.0.1:7233` (or GKEFLOW_TEMPORAL_PORT) |
 * | TEMPORAL_NAMESPACE      | namespace                                          | `default`        |
 * | TEMPORAL_API_KEY        | Temporal Cloud API key (enables TLS)               | none             |
 * | TEMPORAL_TLS_CERT/KEY   | mTLS client certificate and key files (enables TLS) | none            |
 * | GKEFLOW_TASK_QUEUE      | task queue (overrides the per-target default)       | `gkeflow` (local), `gkeflow-gcp` (gcp) |
 * | GKEFLOW_UI_URL          | base URL of the Web UI, for links                  | `http://127.0.0.1:8233` |
 */
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { CliError, UsageError } from '../errors';

/**
 * The task queue of a target: local and gcp workers poll different queues, so a spec for one
 * target is never run by the other's worker.
 */
export function taskQueueFor(target: 'local' | 'gcp', cfg: Pick<TemporalConfig, 'taskQueue'>): string {
  return cfg.taskQueue ?? (target === 'gcp' ? 'gkeflow-gcp' : 'gkeflow');
}

export interface TemporalConfig {
  address: string;
  namespace: string;
  /** An explicit task queue for every target (GKEFLOW_TASK_QUEUE, or a test's own); see taskQueueFor. */
  taskQueue?: string;
  uiUrl: string;
  apiKey?: string;
  tls?: { cert: Buffer; key: Buffer } | true;
}

/** Reads the Temporal settings from env vars; a missing TLS file is a usage error. */
export function temporalConfig(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  const port = env.GKEFLOW_TEMPORAL_PORT || '7233';
  const cfg: TemporalConfig = {
    address: env.TEMPORAL_ADDRESS || `127.0.0.1:${port}`,
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.GKEFLOW_TASK_QUEUE || undefined,
    uiUrl: (env.GKEFLOW_UI_URL || `http://127.0.0.1:${env.GKEFLOW_UI_PORT || '8233'}`).replace(/\/$/, ''),
  };
  if (env.TEMPORAL_API_KEY) {
    cfg.apiKey = env.TEMPORAL_API_KEY;
    cfg.tls = true;
  }
  if (env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_KEY) {
    const read = (name: 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY') => {
      const f = env[name];
      if (!f || !fs.existsSync(f)) throw new UsageError(`${name}: ${f ? `no such file ${f}` : 'must be set together with the other TLS variable'}`);
      return fs.readFileSync(f);
    };
    cfg.tls = { cert: read('TEMPORAL_TLS_CERT'), key: read('TEMPORAL_TLS_KEY') };
  }
  return cfg;
}

/** Connection options shared by the client and the worker's NativeConnection. */
export function connectionOptions(cfg: TemporalConfig) {
  const tls = cfg.tls === true ? true : cfg.tls ? { clientCertPair: { crt: cfg.tls.cert, key: cfg.tls.key } } : undefined;
  return { address: cfg.address, tls, apiKey: cfg.apiKey };
}

/** Thrown when the Temporal frontend cannot be reached. */
export class TemporalUnreachableError extends CliError {
  constructor(readonly address: string) {
    super(`cannot reach Temporal at ${address}: start the local stack with 'npx gkeflow stack up' or set TEMPORAL_ADDRESS`, 1, 'GKF-TEMPORAL-UNREACHABLE');
  }
}

/** A workflow client; fails fast with a clear error when Temporal is not there. */
export async function connectClient(cfg: TemporalConfig = temporalConfig()): Promise<{ client: Client; close: () => Promise<void> }> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...connectionOptions(cfg), connectTimeout: 5000 });
  } catch {
    throw new TemporalUnreachableError(cfg.address);
  }
  return { client: new Client({ connection, namespace: cfg.namespace }), close: () => connection.close() };
}
