import fs from 'node:fs';
import path from 'node:path';
import { PortInUseError, StackHealthError } from '../config/errors';
import { PORT_ENV } from '../config/endpoints';
import { logFile, pidFile, stackConfig, type StackConfig } from './config';
import { ensureLocalKeyFile, ensureLocalTokenFile } from '../codec/keys';
import { withDirLock } from '../process/lock';
import {
  canBind,
  isAlive,
  isSameProcess,
  processStartTime,
  startProcess,
  stopProcess,
  waitUntil,
  type ProcessIdentity,
} from '../process/process';
import { stackServices, type Service } from './services';
import { ensureToolchain, fmtSeconds } from '../toolchain/toolchain';
import { ensureLocalReaper } from '../temporal/schedules';

/**
 * What the pid file of a started service records, so `down` stops only what `up` started:
 * the pid with the executable and start time it had (a recycled pid has others).
 */
interface RunRecord extends ProcessIdentity {
  cmd: string;
  startedAt: string;
}

export interface ServiceStatus {
  name: string;
  state: 'running' | 'unhealthy' | 'stopped';
  pid?: number;
  address: string;
  log: string;
}

function readRecord(cfg: StackConfig, name: string): RunRecord | undefined {
  try {
    const rec = JSON.parse(fs.readFileSync(pidFile(cfg, name), 'utf8')) as RunRecord;
    return ownsPid(rec) ? rec : undefined;
  } catch {
    return undefined;
  }
}

/** True when rec.pid is alive and still runs the command we started (pids get reused). */
function ownsPid(rec: RunRecord): boolean {
  if (!isSameProcess(rec)) return false;
  try {
    return fs.readFileSync(`/proc/${rec.pid}/cmdline`, 'utf8').split('\0').includes(rec.cmd);
  } catch {
    return true; // no /proc: trust the pid
  }
}

/**
 * Starts every service of the local stack that is not running, waiting for each to be healthy.
 * Idempotent. Ports are checked before anything starts; on failure, what this call started is stopped.
 */
export async function stackUp(opts: { log: (l: string) => void; env?: NodeJS.ProcessEnv }): Promise<ServiceStatus[]> {
  const cfg = stackConfig(opts.env);
  return withStackLock(cfg, opts.log, () => startServices(cfg, opts));
}

/**
 * One `stack up` or `down` at a time per state dir: a second `up` waits, then finds the
 * services running, instead of failing on their ports and removing the first one's pid files.
 */
function withStackLock<T>(cfg: StackConfig, log: (l: string) => void, fn: () => Promise<T>): Promise<T> {
  fs.mkdirSync(path.join(cfg.stateDir, 'run'), { recursive: true });
  return withDirLock(path.join(cfg.stateDir, 'run', 'stack.lock'), log, 'another stack up/down is running', fn);
}

async function startServices(
  cfg: StackConfig,
  opts: { log: (l: string) => void; env?: NodeJS.ProcessEnv },
): Promise<ServiceStatus[]> {
  const services = stackServices();
  const toStart = services.filter((s) => !readRecord(cfg, s.name));
  for (const s of toStart) {
    for (const p of s.ports) {
      if (!(await canBind(cfg.ports[p.key]))) throw new PortInUseError(cfg.ports[p.key], p.what, PORT_ENV[p.key]);
    }
  }
  const tc = await ensureToolchain({ log: (l) => opts.log(`toolchain: ${l}`), env: opts.env });
  ensureLocalKeyFile(cfg.stateDir); // payload encryption is on by default for the local stack
  ensureLocalTokenFile(cfg.stateDir); // and only the token holder decodes (the codec server, the Web UI's login)
  fs.mkdirSync(path.join(cfg.stateDir, 'run'), { recursive: true });
  const started: Array<{ name: string; id: ProcessIdentity }> = [];
  try {
    for (const s of services) {
      if (!toStart.includes(s)) {
        opts.log(`${s.name}: already running`);
        continue;
      }
      const t0 = Date.now();
      const { cmd, args, env, cwd } = s.command(cfg, tc);
      const pid = startProcess({
        cmd,
        args,
        env,
        logFile: logFile(cfg, s.name),
        cwd: cwd ?? cfg.stateDir,
        detached: true,
      });
      // The start time only: right after spawn the child may not have exec'd its binary yet.
      const id: ProcessIdentity = { pid, startTime: processStartTime(pid) };
      started.push({ name: s.name, id });
      const rec: RunRecord = { ...id, cmd, startedAt: new Date().toISOString() };
      fs.writeFileSync(pidFile(cfg, s.name), JSON.stringify(rec));
      opts.log(`${s.name}: starting (pid ${pid})`);
      await waitHealthy(cfg, s, pid);
      opts.log(`${s.name}: healthy at ${s.address(cfg)} in ${fmtSeconds((Date.now() - t0) / 1000)}`);
    }
  } catch (e) {
    for (const { name, id } of started.reverse()) {
      await stopProcess(id);
      fs.rmSync(pidFile(cfg, name), { force: true });
    }
    throw e;
  }
  await ensureLocalReaper(cfg.taskQueue, opts.env, opts.log);
  return stackStatus(opts.env);
}

async function waitHealthy(cfg: StackConfig, s: Service, pid: number): Promise<void> {
  const ok = await waitUntil(
    () => s.healthy(cfg, pid),
    s.timeoutMs,
    300,
    () => isAlive(pid),
  );
  if (ok) return;
  const why = isAlive(pid) ? `not healthy within ${s.timeoutMs / 1000}s` : 'exited during start-up';
  throw new StackHealthError(s.name, logFile(cfg, s.name), why, logTail(logFile(cfg, s.name)));
}

/** The last non-empty lines of a log, on one line, so a failed start says why. */
function logTail(file: string, lines = 3): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' | ').slice(-600);
  } catch {
    return '';
  }
}

/** Stops the services `up` started (in reverse order), and only those. */
export async function stackDown(opts: { log: (l: string) => void; env?: NodeJS.ProcessEnv }): Promise<void> {
  const cfg = stackConfig(opts.env);
  await withStackLock(cfg, opts.log, () => stopServices(cfg, opts.log));
  opts.log('stack is down');
}

async function stopServices(cfg: StackConfig, log: (l: string) => void): Promise<void> {
  for (const s of [...stackServices()].reverse()) {
    const rec = readRecord(cfg, s.name);
    if (rec) {
      log(`${s.name}: stopping (pid ${rec.pid})`);
      // Throws when the process survives: its pid file stays, so a later `down` can stop it still.
      await stopProcess(rec, 15_000);
    }
    // Only once the process is gone (or the record names none of ours any more).
    fs.rmSync(pidFile(cfg, s.name), { force: true });
  }
}

/** Each service of the stack: state, pid, address, log file. */
export async function stackStatus(env?: NodeJS.ProcessEnv): Promise<ServiceStatus[]> {
  const cfg = stackConfig(env);
  const out: ServiceStatus[] = [];
  for (const s of stackServices()) {
    const rec = readRecord(cfg, s.name);
    let state: ServiceStatus['state'] = 'stopped';
    if (rec) state = (await s.healthy(cfg, rec.pid).catch(() => false)) ? 'running' : 'unhealthy';
    out.push({ name: s.name, state, pid: rec?.pid, address: s.address(cfg), log: logFile(cfg, s.name) });
  }
  return out;
}

/** The last `lines` lines of a service's log (all services when name is omitted). */
export function stackLogs(name: string | undefined, lines: number, env?: NodeJS.ProcessEnv): string {
  const cfg = stackConfig(env);
  const names = stackServices().map((s) => s.name);
  const chosen = name ? [name] : names;
  return chosen
    .map((n) => {
      const f = logFile(cfg, n);
      const text = fs.existsSync(f)
        ? fs
            .readFileSync(f, 'utf8')
            .split('\n')
            .slice(-lines - 1)
            .join('\n')
        : '(no log yet)\n';
      return `==> ${n} (${f}) <==\n${text}`;
    })
    .join('\n');
}
