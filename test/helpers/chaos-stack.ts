/**
 * The real local stack for the chaos suite, each service a process this helper owns so a case
 * can kill or restart it: the Temporal dev server (SQLite file, so runs survive its restart),
 * the registry, the GKE emulator (kwok control planes) and any number of workers. The commands
 * come from src/stack/services.ts (what `gkeflow stack up` runs); ports are free private ones,
 * state lives in a temporary directory, and the task queue is unique.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { PORT_ENV, ENDPOINT_ENV, localAddress, type PortName } from '../../src/config/endpoints';
import { freePort, isAlive, sleep, startProcess, stopProcess } from '../../src/process/process';
import { stackConfig, type StackConfig } from '../../src/stack/config';
import { stackServices, type Service } from '../../src/stack/services';
import { ensureToolchain, type Toolchain } from '../../src/toolchain/toolchain';
import { CODEC_ENV, ensureLocalKeyFile } from '../../src/codec/keys';
import { dataConverterFor, temporalConfig, type TemporalConfig } from '../../src/temporal/connection';
import { addSearchAttributes, checkSearchAttributes } from '../../src/temporal/search-attributes';
import { workerPolling } from '../../src/stack/temporal-server';
import { uniqueTaskQueue } from './temporal';

export type ServiceName = 'temporal' | 'registry' | 'gke-emulator';

/** A worker process of the stack. */
export interface ChaosWorker {
  pid: number;
  log: string;
}

export interface ChaosStackOptions {
  /** Extra env of the emulator process (GKEFLOW_EMULATOR_SPEED, GKEFLOW_EMULATOR_DELAYS, …). */
  emulatorEnv?: NodeJS.ProcessEnv;
  /**
   * Temporal namespaces besides `default` that the dev server creates at start (its --namespace),
   * each with gkeflow's search attributes registered (as `gkeflow temporal setup` does): a second
   * installation on the same server. clientFor/startWorker/temporalConfigFor take the namespace.
   */
  namespaces?: string[];
}

/** Thrown by a waitFor check to stop waiting at once (e.g. the run being watched has closed). */
export class StopWaiting extends Error {}

/**
 * Runs `check` every `intervalMs` until it is true; throws naming `what` after timeoutMs. A check
 * that throws counts as false (a service may be restarting), except with StopWaiting.
 */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000, intervalMs = 200) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (e) {
      if (e instanceof StopWaiting) throw e;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
}

export class ChaosStack {
  readonly workers: ChaosWorker[] = [];
  private readonly pids = new Map<ServiceName, number>();
  private connection?: Connection;
  client!: Client;
  private workerSeq = 0;

  private constructor(
    readonly cfg: StackConfig,
    readonly env: NodeJS.ProcessEnv,
    private readonly tc: Toolchain,
    private readonly opts: ChaosStackOptions,
  ) {}

  /** Starts Temporal, the registry and the emulator on private ports (no worker yet). */
  static async start(opts: ChaosStackOptions = {}): Promise<ChaosStack> {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-chaos-'));
    const env: NodeJS.ProcessEnv = { GKEFLOW_STATE_DIR: stateDir, [ENDPOINT_ENV.taskQueue]: uniqueTaskQueue('chaos') };
    for (const key of Object.keys(PORT_ENV) as PortName[]) env[PORT_ENV[key]] = String(await freePort());
    // As `stack up` does: the payload codec's key in the state dir, used by the worker, the CLI and this client
    // (named explicitly: the stack's default key applies only to a Temporal its state dir records running).
    env[CODEC_ENV.keyFile] = ensureLocalKeyFile(stateDir);
    const tc = await ensureToolchain({ log: (l) => console.log(`[toolchain] ${l}`) });
    const stack = new ChaosStack(stackConfig(env), env, tc, opts);
    process.once('exit', () => stack.killAllNow());
    for (const name of ['temporal', 'registry', 'gke-emulator'] as const) await stack.startService(name);
    stack.connection = await Connection.connect({ address: stack.temporalAddress });
    stack.client = new Client({
      connection: stack.connection,
      dataConverter: dataConverterFor(temporalConfig(stack.cliEnv())),
    });
    return stack;
  }

  get stateDir(): string {
    return this.cfg.stateDir;
  }
  get temporalAddress(): string {
    return localAddress(this.cfg.ports.temporal);
  }
  get emulatorAddress(): string {
    return localAddress(this.cfg.ports.emulator);
  }
  get registryAddress(): string {
    return localAddress(this.cfg.ports.registry);
  }
  get adminUrl(): string {
    return `http://${localAddress(this.cfg.ports.emulatorAdmin)}`;
  }
  /** What the CLI would read with this stack's env (address, task queue, the codec's keys). */
  get temporalConfig(): TemporalConfig {
    return temporalConfig(this.cliEnv());
  }
  /** The env every CLI call and worker of this stack runs with. */
  cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      ...this.env,
      [ENDPOINT_ENV.temporalAddress]: this.temporalAddress,
      [ENDPOINT_ENV.emulatorAddress]: this.emulatorAddress,
      [ENDPOINT_ENV.registryAddress]: this.registryAddress,
      ...extra,
    };
  }
  logDir(): string {
    return path.join(this.stateDir, 'logs');
  }

  private service(name: string): Service {
    const s = stackServices().find((x) => x.name === name);
    if (!s) throw new Error(`no stack service ${name}`);
    return s;
  }

  private spawn(name: string, logName: string, extraEnv: NodeJS.ProcessEnv, extraArgs: string[] = []): number {
    const s = this.service(name);
    const c = s.command(this.cfg, this.tc);
    return startProcess({
      cmd: c.cmd,
      args: [...c.args, ...extraArgs],
      env: { ...(c.env ?? process.env), ...this.env, ...extraEnv },
      logFile: path.join(this.logDir(), `${logName}.log`),
      cwd: c.cwd ?? this.stateDir,
      detached: true,
    });
  }

  /** Starts one of the stack's services and waits until it is healthy. */
  async startService(name: ServiceName): Promise<void> {
    const extraArgs = name === 'temporal' ? (this.opts.namespaces ?? []).flatMap((ns) => ['--namespace', ns]) : [];
    const pid = this.spawn(name, name, name === 'gke-emulator' ? (this.opts.emulatorEnv ?? {}) : {}, extraArgs);
    this.pids.set(name, pid);
    const s = this.service(name);
    await waitFor(
      `${name} healthy (log ${this.logDir()}/${name}.log)`,
      () => s.healthy(this.cfg, pid),
      s.timeoutMs,
      300,
    );
    if (name === 'temporal') await this.registerSearchAttributes();
  }

  /** gkeflow's search attributes in every extra namespace (start-dev's flags may cover only `default`). */
  private async registerSearchAttributes(): Promise<void> {
    const extra = this.opts.namespaces ?? [];
    if (!extra.length) return;
    const conn = await Connection.connect({ address: this.temporalAddress });
    try {
      for (const ns of extra) {
        // A namespace the server just made may not be in its cache yet: retried until it answers.
        await waitFor(`search attributes of namespace ${ns}`, async () => {
          const check = await checkSearchAttributes(conn, ns);
          if (check.missing.length) await addSearchAttributes(conn, ns, check.missing);
          const after = await checkSearchAttributes(conn, ns);
          return after.missing.length === 0 && after.wrongType.length === 0;
        });
      }
    } finally {
      await conn.close();
    }
  }

  /** A client of this stack's Temporal in another namespace (with the stack's codec). */
  clientFor(namespace: string): Client {
    return new Client({
      connection: this.connection!,
      namespace,
      dataConverter: dataConverterFor(temporalConfig(this.cliEnv())),
    });
  }

  /** What the CLI would read with this stack's env in another namespace. */
  temporalConfigFor(namespace: string): TemporalConfig {
    return temporalConfig(this.cliEnv({ TEMPORAL_NAMESPACE: namespace }));
  }

  /** Stops a service: SIGTERM (a clean restart) or SIGKILL (a crash). */
  async stopService(name: ServiceName, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const pid = this.pids.get(name);
    if (pid === undefined) return;
    if (signal === 'SIGKILL') killGroup(pid, 'SIGKILL');
    await stopProcess(pid, 30_000);
    this.pids.delete(name);
  }

  async restartService(name: ServiceName, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    await this.stopService(name, signal);
    await this.startService(name);
  }

  /**
   * Starts a worker (the stack's own command) and waits until it polls the task queue; with a
   * namespace, a worker of that namespace (TEMPORAL_NAMESPACE), as a second installation runs one.
   */
  async startWorker(extraEnv: NodeJS.ProcessEnv = {}, namespace?: string): Promise<ChaosWorker> {
    const log = `worker-${++this.workerSeq}${namespace ? `-${namespace}` : ''}`;
    const pid = this.spawn('worker', log, { ...extraEnv, ...(namespace ? { TEMPORAL_NAMESPACE: namespace } : {}) });
    const w = { pid, log: path.join(this.logDir(), `${log}.log`) };
    this.workers.push(w);
    const s = this.service('worker');
    const polling = namespace
      ? () => workerPolling(this.temporalAddress, this.cfg.taskQueue, pid, namespace)
      : () => s.healthy(this.cfg, pid);
    await waitFor(`worker ${pid} polling (log ${w.log})`, polling, s.timeoutMs, 300);
    return w;
  }

  /** kill -9 a worker (its whole process group), waiting until it is gone. */
  async killWorker(w: ChaosWorker): Promise<void> {
    killGroup(w.pid, 'SIGKILL');
    await waitFor(`worker ${w.pid} gone`, async () => !isAlive(w.pid), 10_000, 50);
    this.workers.splice(this.workers.indexOf(w), 1);
  }

  async stopWorkers(): Promise<void> {
    for (const w of [...this.workers]) await stopProcess(w.pid, 10_000);
    this.workers.length = 0;
  }

  /** A client without the codec: what anyone reading the server sees (for the secret scan). */
  async rawClient(): Promise<Client> {
    this.connection ??= await Connection.connect({ address: this.temporalAddress });
    return new Client({ connection: this.connection });
  }

  /** GET/PUT/POST/DELETE on the emulator's admin endpoint (JSON). */
  async admin<T>(pathname: string, method = 'GET', body?: unknown): Promise<T> {
    const res = await fetch(`${this.adminUrl}${pathname}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${pathname}: ${res.status} ${text}`);
    return (text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text) as T;
  }

  async setFaults(rules: unknown[], seed = 1): Promise<void> {
    await this.admin('/faults', 'PUT', { rules, seed });
  }

  /** Every log file of this stack (services and workers). */
  logFiles(): string[] {
    const dir = this.logDir();
    return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => path.join(dir, f)) : [];
  }

  /** Stops everything (workers, emulator with its control planes, registry, Temporal) and removes the state. */
  async stop(keepState = false): Promise<void> {
    await this.stopWorkers();
    await this.connection?.close().catch(() => undefined);
    for (const name of ['gke-emulator', 'registry', 'temporal'] as const) await this.stopService(name);
    if (!keepState) fs.rmSync(this.stateDir, { recursive: true, force: true });
  }

  private killAllNow(): void {
    for (const pid of [...this.workers.map((w) => w.pid), ...this.pids.values()]) killGroup(pid, 'SIGTERM');
  }
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      /* gone */
    }
  }
}
