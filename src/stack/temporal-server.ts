import path from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeFlags } from '../contract/labels';
import { hasPoller } from '../temporal/pollers';
import { StackHealthError } from '../config/errors';
import { freePort, isAlive, startProcess, stopProcess, waitUntil } from '../process/process';

export interface TemporalServerOptions {
  binary: string;
  port: number;
  uiPort: number;
  /** SQLite file; runs survive a restart. Omit for an in-memory server (tests). */
  dbFile?: string;
  logFile: string;
  detached: boolean;
  namespace?: string;
  /** The codec server the Web UI calls to decode payloads (`--ui-codec-endpoint`). */
  uiCodecEndpoint?: string;
  /** false: register none of gkeflow's search attributes (a namespace as a real cluster has it before setup). */
  searchAttributes?: boolean;
  /** `KEY=VALUE` dynamic config settings (`--dynamic-config-value`), e.g. Workflow Update off. */
  dynamicConfig?: string[];
}

/** The dynamic config key of eager activity dispatch (on unless a caller sets it). */
export const EAGER_ACTIVITIES = 'system.enableActivityEagerExecution';

/** Arguments for `temporal server start-dev`, bound to loopback with our search attributes. */
export function temporalArgs(o: TemporalServerOptions): string[] {
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(o.port),
    '--ui-port',
    String(o.uiPort),
    '--log-level',
    'warn',
    '--namespace',
    o.namespace ?? 'default',
  ];
  if (o.uiCodecEndpoint) args.push('--ui-codec-endpoint', o.uiCodecEndpoint);
  if (o.dbFile) args.push('--db-filename', o.dbFile);
  else args.push('--headless');
  if (o.searchAttributes !== false) for (const attr of searchAttributeFlags()) args.push('--search-attribute', attr);
  const dynamicConfig = [...(o.dynamicConfig ?? [])];
  // Temporal Cloud dispatches activities eagerly (the SDK asks by default; the OSS server's flag
  // defaults to off until 1.32, temporalio/temporal#10651): the local server behaves like Cloud.
  if (!dynamicConfig.some((kv) => kv.startsWith(`${EAGER_ACTIVITIES}=`)))
    dynamicConfig.push(`${EAGER_ACTIVITIES}=true`);
  for (const kv of dynamicConfig) args.push('--dynamic-config-value', kv);
  return args;
}

/** Starts the dev server and waits until its gRPC frontend answers a health check. */
export async function startTemporalServer(o: TemporalServerOptions, timeoutMs = 60_000): Promise<number> {
  const pid = startProcess({
    cmd: o.binary,
    args: temporalArgs(o),
    logFile: o.logFile,
    env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
    cwd: path.dirname(o.logFile),
    detached: o.detached,
  });
  const ok = await waitUntil(
    () => temporalHealthy(`127.0.0.1:${o.port}`),
    timeoutMs,
    500,
    () => isAlive(pid),
  );
  if (!ok) {
    await stopProcess(pid);
    throw new StackHealthError(
      'temporal',
      o.logFile,
      `no healthy frontend on 127.0.0.1:${o.port} within ${timeoutMs / 1000}s`,
    );
  }
  return pid;
}

/** True when the Temporal frontend at address answers its gRPC health check. */
export async function temporalHealthy(address: string): Promise<boolean> {
  const conn = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    const res = await conn.healthService.check({});
    return res.status === 1; // SERVING
  } finally {
    await conn.close();
  }
}

/** True when a worker (with process id `pid`, when given) polls the task queue of the stack's (plain loopback) Temporal. */
export async function workerPolling(
  address: string,
  taskQueue: string,
  pid?: number,
  namespace = 'default',
): Promise<boolean> {
  const conn = await Connection.connect({ address, connectTimeout: 2000 });
  try {
    return await hasPoller(conn, namespace, taskQueue, pid);
  } finally {
    await conn.close();
  }
}

/**
 * An in-memory dev server on free loopback ports for one test run, logging to `<logDir>/temporal.log`.
 * It dies with the calling process; stop() ends it sooner.
 */
export async function startEphemeralTemporal(
  binary: string,
  logDir: string,
  extra: Pick<TemporalServerOptions, 'searchAttributes' | 'dynamicConfig'> = {},
): Promise<{ address: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const pid = await startTemporalServer({
    binary,
    port,
    uiPort: await freePort(),
    logFile: path.join(logDir, 'temporal.log'),
    detached: false,
    ...extra,
  });
  const kill = () => {
    try {
      process.kill(pid);
    } catch {
      /* gone */
    }
  };
  process.once('exit', kill);
  return {
    address: `127.0.0.1:${port}`,
    stop: async () => {
      process.removeListener('exit', kill);
      await stopProcess(pid);
    },
  };
}
