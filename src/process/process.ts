import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * True while a process with this pid exists and is not a zombie (an exited child that nobody
 * has reaped yet, as kwokctl's reparented children can be, is as good as gone).
 */
export function isAlive(pid: number): boolean {
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

export interface StartOptions {
  cmd: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Detached processes outlive the CLI (the stack); attached ones die with the test. */
  detached: boolean;
}

/** Starts a process with stdout+stderr appended to logFile; returns its pid. */
export function startProcess(o: StartOptions): number {
  fs.mkdirSync(path.dirname(o.logFile), { recursive: true });
  const fd = fs.openSync(o.logFile, 'a');
  try {
    const child = spawn(o.cmd, o.args, {
      cwd: o.cwd,
      env: o.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: o.detached,
    });
    if (child.pid === undefined) throw new Error(`could not start ${o.cmd}`);
    // Never keep the caller's event loop alive for the child; attached children are still
    // stopped by their owner (stopProcess, or an exit hook in tests).
    child.unref();
    return child.pid;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * What identifies a process beyond its pid, which the kernel reuses: its executable and its
 * start time (clock ticks after boot, from /proc). Recorded when a process is started or found,
 * checked again before it is signalled, so a recycled pid is never killed.
 */
export interface ProcessIdentity {
  pid: number;
  exe?: string;
  startTime?: string;
}

/** The start time of a process (field 22 of /proc/<pid>/stat), or undefined without /proc. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses; fields after it are plain.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function processExe(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

/** The identity of a live process now, or undefined when it is gone. */
export function processIdentity(pid: number): ProcessIdentity | undefined {
  if (!isAlive(pid)) return undefined;
  return { pid, exe: processExe(pid), startTime: processStartTime(pid) };
}

/** True while the process the identity describes runs (not merely some process with its pid). */
export function isSameProcess(id: ProcessIdentity): boolean {
  if (!isAlive(id.pid)) return false;
  if (id.startTime !== undefined && processStartTime(id.pid) !== id.startTime) return false;
  if (id.exe !== undefined) {
    const exe = processExe(id.pid);
    if (exe !== undefined && exe !== id.exe) return false;
  }
  return true;
}

/** Thrown by stopProcess when the process belongs to someone this process may not signal (EPERM). */
export class ProcessPermissionError extends Error {
  constructor(readonly pid: number) {
    super(`not permitted to stop process ${pid} (it belongs to another user); stop it as its owner`);
    this.name = 'ProcessPermissionError';
  }
}

/** Thrown by stopProcess when a process survives SIGKILL (e.g. stuck in uninterruptible I/O). */
export class ProcessStopTimeoutError extends Error {
  constructor(readonly pid: number) {
    super(`process ${pid} is still there after SIGKILL`);
    this.name = 'ProcessStopTimeoutError';
  }
}

/**
 * Whether any live (not zombie) process is in process group `pgid`. The kernel never hands out a
 * pid still in use as a group id, so while this is true the group is the one its leader made,
 * even after the leader itself died.
 */
export function groupAlive(pgid: number): boolean {
  if (!(pgid > 0)) return false;
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    try {
      process.kill(-pgid, 0); // no /proc: any member, zombies included
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  for (const e of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') return true;
    } catch {
      /* exited while we looked */
    }
  }
  return false;
}

/**
 * Sends SIGTERM to a process and, when it leads a group, to the whole group; then SIGKILL after
 * graceMs to whatever is left. The group is followed after its leader exits: children that
 * ignore SIGTERM do not outlive the stop. Given an identity, it starts only while that very
 * process runs (a recycled pid is left alone).
 */
export async function stopProcess(target: number | ProcessIdentity, graceMs = 10_000): Promise<void> {
  const id = typeof target === 'number' ? { pid: target } : target;
  const pid = id.pid;
  const running = () => isSameProcess(id);
  if (!running()) return;
  // A group of its own (detached start): signalled as a whole, as long as any member lives.
  const leads = (() => {
    try {
      return processGroupOf(pid) === pid;
    } catch {
      return false;
    }
  })();
  const left = () => running() || (leads && groupAlive(pid));
  const signal = (sig: NodeJS.Signals) => {
    if (leads && groupAlive(pid)) {
      try {
        process.kill(-pid, sig);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EPERM') throw new ProcessPermissionError(pid);
      }
    }
    if (!running()) return;
    try {
      process.kill(pid, sig);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPERM') throw new ProcessPermissionError(pid);
      /* already gone */
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (left() && Date.now() < deadline) await sleep(100);
  if (left()) signal('SIGKILL');
  const killDeadline = Date.now() + 10_000;
  while (left()) {
    if (Date.now() > killDeadline) throw new ProcessStopTimeoutError(pid);
    await sleep(50);
  }
}

/** The process group of a live process (field 5 of /proc/<pid>/stat); without /proc, whether `-pid` answers. */
function processGroupOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    try {
      process.kill(-pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    s.setTimeout(1000);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(false));
  });
}

/** True when this process could listen on 127.0.0.1:port now (nothing else holds it). */
export function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A free loopback port, picked at random below the ephemeral range (else chosen by the kernel). */
export async function freePort(): Promise<number> {
  // Below the kernel's ephemeral range (32768–60999 on Linux): a port picked there can be taken as the
  // local end of any outgoing connection before its service binds it; a port below it cannot.
  for (let i = 0; i < 50; i++) {
    const port = FREE_PORT_LOW + Math.floor(Math.random() * (FREE_PORT_HIGH - FREE_PORT_LOW));
    if (await canBind(port)) return port;
  }
  return listenOnce(0);
}

const FREE_PORT_LOW = 20000;
const FREE_PORT_HIGH = 32768;

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** Polls check() until it returns true or timeoutMs passes; returns whether it succeeded. */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 250,
  stillAlive?: () => boolean,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    if (stillAlive && !stillAlive()) return false;
    await sleep(intervalMs);
  }
  return false;
}
