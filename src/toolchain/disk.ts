/**
 * The disk the toolchain takes: its binaries, the private Go caches a build uses (removed after
 * the build unless kept), and what `gkeflow stack toolchain --prune` reclaims.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { cacheDir } from '../paths';
import { components } from './components';

const run = promisify(execFile);

/** `<cache>/toolchain`: every component's entry lives here. */
export const toolchainDir = (env: NodeJS.ProcessEnv = process.env) => path.join(cacheDir(env), 'toolchain');

/**
 * The private Go module and build cache of one toolchain run, shared by every component it builds
 * (kubernetes, etcd and kwok fetch and compile the same k8s.io modules once, not three times).
 * A kept cache (`--keep-go-cache`) has one fixed name so the next build reuses it; otherwise each
 * process has its own, removed when its run ends.
 */
export const goCacheDir = (env: NodeJS.ProcessEnv = process.env, keep = false) =>
  path.join(toolchainDir(env), 'go-cache', keep ? 'kept' : `run-${process.pid}`);

/** Bytes under a path (files as allocated, not followed through symlinks); 0 when missing. */
export function diskUsage(p: string): number {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.blocks !== undefined ? st.blocks * 512 : st.size;
  let total = 0;
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(p);
  } catch {
    return 0;
  }
  for (const e of entries) total += diskUsage(path.join(p, e));
  return total;
}

/** `713 MB`, `9.8 GB`. */
export function fmtBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${Math.round(n / 1e6)} MB`;
  return `${Math.round(n / 1e3)} kB`;
}

/** Removes a private Go cache (the module cache was written with -modcacherw, so plain rm works). */
export function removeGoCache(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  try {
    fs.rmdirSync(path.dirname(dir)); // only when no other run's cache is there
  } catch {
    // not empty or already gone
  }
}

/** The closing line of a build: what the toolchain takes now, what it took before, how to reclaim. */
export function diskNote(env: NodeJS.ProcessEnv, before: number, keptCache?: string): string {
  const now = diskUsage(toolchainDir(env));
  const kept = keptCache ? ` (the Go cache kept in ${keptCache} takes ${fmtBytes(diskUsage(keptCache))})` : '';
  return (
    `the toolchain takes ${fmtBytes(now)} in ${toolchainDir(env)} (${fmtBytes(before)} before this build)${kept}; ` +
    `reclaim what is not needed with 'gkeflow stack toolchain --prune'`
  );
}

/** What prune removed or would remove. */
export interface PruneReport {
  removed: Array<{ path: string; bytes: number; why: string }>;
  /** The user's own Go caches (filled by builds before the private cache existed): reported, never removed. */
  userGoCaches: Array<{ path: string; bytes: number }>;
  /** The toolchain's size after pruning. */
  bytesAfter: number;
}

/**
 * Removes what the toolchain no longer needs: kept private Go caches, entries of versions no
 * component pins any more, and leftovers of interrupted builds. The binaries in use stay.
 */
export async function pruneToolchain(env: NodeJS.ProcessEnv = process.env): Promise<PruneReport> {
  const dir = toolchainDir(env);
  const current = new Set(components.map((c) => `${c.name}-${c.version}`));
  const removed: PruneReport['removed'] = [];
  const drop = (p: string, why: string) => {
    removed.push({ path: p, bytes: diskUsage(p), why });
    fs.rmSync(p, { recursive: true, force: true, maxRetries: 3 });
  };
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const p = path.join(dir, name);
    if (name === 'go-cache') drop(p, 'private Go caches kept with --keep-go-cache');
    else if (/\.tmp-\d+$/.test(name)) drop(p, 'leftover of an interrupted build');
    else if (name.endsWith('.lock') || current.has(name)) continue;
    else if (fs.statSync(p).isDirectory() && /^[a-z-]+-\d[\w.]*$/.test(name)) drop(p, 'version no longer pinned');
  }
  return { removed, userGoCaches: await userGoCaches(env), bytesAfter: diskUsage(dir) };
}

/** The Go module and build caches in the user's home, if Go is installed. */
async function userGoCaches(env: NodeJS.ProcessEnv): Promise<PruneReport['userGoCaches']> {
  try {
    const { stdout } = await run('go', ['env', 'GOMODCACHE', 'GOCACHE'], { env, timeout: 10_000 });
    return stdout
      .split('\n')
      .filter(Boolean)
      .map((p) => ({ path: p, bytes: diskUsage(p) }))
      .filter((c) => c.bytes > 0);
  } catch {
    return [];
  }
}
