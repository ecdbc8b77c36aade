/**
 * A real self-hosted Temporal for the `test:temporal` tier: PostgreSQL (Debian's, in a private
 * data dir on a free loopback port) for persistence and SQL visibility, schemas applied by
 * temporal-sql-tool from the server module's own schema files, and `temporal-server` v1.29.1
 * (built on demand by the toolchain) with a generated config on free loopback ports. The
 * namespace is registered; no search attribute is (that is `gkeflow temporal setup`'s job).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { freePort, waitUntil } from '../../src/process/process';
import { temporalHealthy } from '../../src/stack/temporal-server';
import { ensureToolchain } from '../../src/toolchain/toolchain';

/** Debian's PostgreSQL server binaries (`apt-get install postgresql`). */
export const PG_BIN = process.env.GKEFLOW_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface SelfHostedTemporal {
  address: string;
  namespace: string;
  dir: string;
  /** Seconds the toolchain reported for building the server (undefined when it was cached). */
  stop: () => Promise<void>;
}

/** postgres refuses to run as root: as root, run its tools as the `postgres` user in a dir it owns. */
function pgUser(): string | undefined {
  return process.getuid?.() === 0 ? 'postgres' : undefined;
}

function runPg(tool: string, args: string[], log: string): void {
  const user = pgUser();
  const [cmd, argv] = user
    ? ['runuser', ['-u', user, '--', path.join(PG_BIN, tool), ...args]]
    : [path.join(PG_BIN, tool), args];
  execFileSync(cmd, argv, { stdio: ['ignore', fs.openSync(log, 'a'), fs.openSync(log, 'a')], timeout: 120_000 });
}

function serverConfig(o: { pgPort: number; ports: number[]; namespace: string }): string {
  const [grpc, http, fm, hg, hm, mg, mm, wg, wm] = o.ports;
  const store = (db: string, conns: number) => `      sql:
        pluginName: "postgres12"
        databaseName: "${db}"
        connectAddr: "127.0.0.1:${o.pgPort}"
        connectProtocol: "tcp"
        user: "temporal"
        password: ""
        maxConns: ${conns}
        maxIdleConns: ${conns}
        maxConnLifetime: "1h"`;
  const svc = (name: string, g: number, m: number, extra = '') => `  ${name}:
    rpc:
      grpcPort: ${g}
      membershipPort: ${m}
      bindOnLocalHost: true${extra}`;
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: pg-default
  visibilityStore: pg-visibility
  numHistoryShards: 4
  datastores:
    pg-default:
${store('temporal', 20)}
    pg-visibility:
${store('temporal_visibility', 4)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
services:
${svc('frontend', grpc!, fm!, `\n      httpPort: ${http}`)}
${svc('history', hg!, hm!)}
${svc('matching', mg!, mm!)}
${svc('worker', wg!, wm!)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${grpc}"
dcRedirectionPolicy:
  policy: "noop"
dynamicConfigClient:
  filepath: "${path.join('config', 'dynamic.yaml')}"
  pollInterval: "10s"
`;
}

/** Starts PostgreSQL and the real Temporal server; `log` takes progress lines with timings. */
export async function startSelfHostedTemporal(log: (l: string) => void = console.log): Promise<SelfHostedTemporal> {
  const t0 = Date.now();
  const tc = await ensureToolchain({ only: ['temporal-server'], log: (l) => log(`[toolchain] ${l}`) });
  const bin = path.dirname(tc['temporal-server']!);
  log(`temporal-server ready in ${((Date.now() - t0) / 1000).toFixed(0)}s`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-selfhosted-'));
  const pgData = path.join(dir, 'pg');
  const pgLog = path.join(dir, 'postgres.log');
  fs.mkdirSync(pgData, { mode: 0o700 });
  const user = pgUser();
  if (user) {
    fs.chmodSync(dir, 0o755);
    execFileSync('chown', ['-R', `${user}:`, pgData]);
    fs.writeFileSync(pgLog, '');
    execFileSync('chown', [`${user}:`, pgLog]);
  }
  const pgPort = await freePort();
  runPg('initdb', ['-D', pgData, '-U', 'temporal', '--auth=trust', '-E', 'UTF8', '--no-sync'], pgLog);
  runPg(
    'pg_ctl',
    [
      '-D',
      pgData,
      '-l',
      pgLog,
      '-w',
      '-o',
      `-p ${pgPort} -k ${pgData} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ],
    pgLog,
  );
  const pgStop = () => {
    try {
      runPg('pg_ctl', ['-D', pgData, '-m', 'fast', '-w', 'stop'], pgLog);
    } catch {
      /* already stopped */
    }
  };
  process.once('exit', pgStop);
  log(`postgres on 127.0.0.1:${pgPort} (${pgData})`);
  const sql = (db: string, ...args: string[]) =>
    execFileSync(
      path.join(bin, 'temporal-sql-tool'),
      ['--plugin', 'postgres12', '--ep', '127.0.0.1', '-p', String(pgPort), '-u', 'temporal', '--db', db, ...args],
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
    );
  const schema = path.join(bin, 'schema', 'postgresql', 'v12');
  for (const [db, kind] of [
    ['temporal', 'temporal'],
    ['temporal_visibility', 'visibility'],
  ] as const) {
    sql(db, 'create-database');
    sql(db, 'setup-schema', '-v', '0.0');
    sql(db, 'update-schema', '-d', path.join(schema, kind, 'versioned'));
  }
  log(`schemas set up by temporal-sql-tool (${((Date.now() - t0) / 1000).toFixed(0)}s)`);
  const ports: number[] = [];
  while (ports.length < 9) {
    const p = await freePort();
    if (!ports.includes(p) && p !== pgPort) ports.push(p);
  }
  const namespace = 'default';
  fs.mkdirSync(path.join(dir, 'config'));
  fs.writeFileSync(path.join(dir, 'config', 'development.yaml'), serverConfig({ pgPort, ports, namespace }));
  fs.writeFileSync(path.join(dir, 'config', 'dynamic.yaml'), '{}\n');
  const serverLog = fs.openSync(path.join(dir, 'temporal-server.log'), 'a');
  const server: ChildProcess = spawn(
    path.join(bin, 'temporal-server'),
    ['--root', dir, '--config', 'config', '--env', 'development', '--allow-no-auth', 'start'],
    { cwd: dir, stdio: ['ignore', serverLog, serverLog] },
  );
  const kill = () => server.kill('SIGKILL');
  process.once('exit', kill);
  const address = `127.0.0.1:${ports[0]}`;
  const up = await waitUntil(
    () => temporalHealthy(address).catch(() => false),
    120_000,
    1000,
    () => server.exitCode === null,
  );
  if (!up)
    throw new Error(`temporal-server did not answer on ${address}; see ${path.join(dir, 'temporal-server.log')}`);
  const conn = await Connection.connect({ address });
  try {
    // The server's worker service registers the system namespace; ours is registered here.
    await waitUntil(
      async () =>
        conn.workflowService
          .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') })
          .then(() => true)
          .catch((e: { code?: number }) => e.code === 6 /* ALREADY_EXISTS */),
      60_000,
      1000,
    );
    await waitUntil(
      () =>
        conn.workflowService.describeNamespace({ namespace }).then(
          () => true,
          () => false,
        ),
      60_000,
      500,
    );
  } finally {
    await conn.close();
  }
  log(
    `temporal-server ${address} on postgres, namespace ${namespace} registered (${((Date.now() - t0) / 1000).toFixed(0)}s)`,
  );
  return {
    address,
    namespace,
    dir,
    stop: async () => {
      process.removeListener('exit', kill);
      server.kill('SIGTERM');
      await new Promise((r) => (server.exitCode !== null ? r(undefined) : server.once('exit', r)));
      pgStop();
      process.removeListener('exit', pgStop);
    },
  };
}
