/**
 * The package as a user gets it: `npm pack` (which builds dist/ through prepack), then a global
 * install of the tarball into an empty prefix, offline from the npm cache. A cache that holds the
 * tarballs but not the registry's metadata (what `npm ci` leaves) is completed once by an
 * ordinary install beside it, then the install under test runs with --offline.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../src/paths';

const run = promisify(execFile);

export interface InstalledPackage {
  tarball: string;
  prefix: string;
  /** The installed `gkeflow` command. */
  bin: string;
  /** The installed package's directory. */
  dir: string;
}

const npm = (args: string[], cwd: string) =>
  run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, maxBuffer: 64 << 20 });

/** Packs the checkout and installs the tarball globally into an empty prefix, offline. */
export async function packAndInstall(tmp: string): Promise<InstalledPackage> {
  const packDir = fs.mkdtempSync(path.join(tmp, 'pack-'));
  const { stdout } = await npm(['pack', '--pack-destination', packDir], repoRoot);
  const tarball = path.join(packDir, stdout.trim().split('\n').pop()!);
  const prefix = fs.mkdtempSync(path.join(tmp, 'prefix-'));
  const install = () => npm(['install', '-g', tarball, '--prefix', prefix, '--offline'], tmp);
  await install().catch(async (e: Error) => {
    if (!/ENOTCACHED/.test(e.message)) throw e;
    const warm = fs.mkdtempSync(path.join(tmp, 'warm-'));
    await npm(['install', '-g', tarball, '--prefix', warm, '--prefer-offline'], tmp);
    fs.rmSync(warm, { recursive: true, force: true });
    fs.rmSync(prefix, { recursive: true, force: true });
    fs.mkdirSync(prefix);
    await install();
  });
  return {
    tarball,
    prefix,
    bin: path.join(prefix, 'bin', 'gkeflow'),
    dir: path.join(prefix, 'lib', 'node_modules', 'gkeflow'),
  };
}

/** Every file under dir with its size and mtime, to show nothing was written there. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = fs.lstatSync(p);
        out.set(p, `${s.size}:${s.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out;
}

/** An empty home for a user of the package: HOME and XDG dirs inside it, and an empty cwd. */
export function userHome(tmp: string): { cwd: string; env: NodeJS.ProcessEnv } {
  const home = fs.mkdtempSync(path.join(tmp, 'home-'));
  const cwd = fs.mkdtempSync(path.join(tmp, 'cwd-'));
  return {
    cwd,
    env: {
      HOME: home,
      XDG_STATE_HOME: path.join(home, '.local', 'state'),
      XDG_CACHE_HOME: path.join(home, '.cache'),
      PATH: process.env.PATH,
    },
  };
}

/** The pids of a process's children (from /proc). */
export function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A process's command line. */
export const cmdlineOf = (pid: number) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');

/** Spawns a command and collects its output; `exited` resolves with its code and signal. */
export function startCommand(
  cmd: string,
  args: string[],
  o: { cwd: string; env: NodeJS.ProcessEnv },
): {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
} {
  const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => ({ stdout, stderr }), exited };
}

export const tmpRoot = () => fs.mkdtempSync(path.join(process.env.GKEFLOW_TEST_TMP ?? os.tmpdir(), 'package-'));
