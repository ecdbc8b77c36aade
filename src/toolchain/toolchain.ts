import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { CorruptCacheError, GoMissingError, ToolchainBuildError, UsageError } from '../config/errors';
import { components, type Component, type OnDemandToolName, type Tool, type ToolName } from './components';
import { withDirLock } from '../process/lock';
import { repoRoot } from '../paths';
import { diskNote, diskUsage, goCacheDir, removeGoCache, toolchainDir } from './disk';

const run = promisify(execFile);

/** Absolute paths of every binary the local stack needs (on-demand ones only when asked for). */
export type Toolchain = Record<Exclude<ToolName, OnDemandToolName>, string> & Partial<Record<OnDemandToolName, string>>;

export interface ToolchainOptions {
  env?: NodeJS.ProcessEnv;
  /** Progress lines ("building kubernetes v1.36.1 … 2m10s"). */
  log?: (line: string) => void;
  /** Rebuild these component names (or all with `true`) even when cached. */
  rebuild?: boolean | string[];
  /** Only provide these components (default: all). */
  only?: string[];
  /**
   * Keep the private Go module and build caches a build used (`<toolchain>/go-cache/<component>`)
   * for fast rebuilds; by default they are removed once the component is built.
   */
  keepGoCache?: boolean;
}

interface Marker {
  version: string;
  builtAt: string;
  seconds: number;
  files: Record<string, number>;
}

/** The cache entry directory of a component. */
export function entryDir(c: Component, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(toolchainDir(env), `${c.name}-${c.version}`);
}

const markerFile = (dir: string) => path.join(dir, '.complete.json');

/**
 * Provides every binary of the local stack: an env override first, then the per-user cache,
 * building what is missing from pinned Go modules. A second call does nothing; concurrent
 * calls serialise on a per-component lock and build into a temp dir renamed into place.
 */
export async function ensureToolchain(opts: ToolchainOptions = {}): Promise<Toolchain> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => {});
  const wanted = opts.only
    ? components.filter((c) => opts.only!.includes(c.name))
    : components.filter((c) => !c.onDemand);
  if (opts.only) {
    const unknown = opts.only.filter((n) => !components.some((c) => c.name === n));
    if (unknown.length)
      throw new UsageError(
        `unknown toolchain component ${unknown.join(', ')}; known: ${components.map((c) => c.name).join(', ')}`,
      );
  }
  const result: Partial<Record<ToolName, string>> = {};
  const keep = opts.keepGoCache ?? false;
  const goCache = goCacheDir(env, keep);
  const before = diskUsage(toolchainDir(env));
  let built = false;
  const jobs = toolchainJobs(env);
  try {
    await inLanes(wanted, jobs, async (c) => {
      const overridden = c.tools.filter((t) => env[t.envVar]);
      for (const t of overridden) result[t.name] = await checkOverride(t, env[t.envVar]!);
      if (overridden.length === c.tools.length) return;
      const rebuild = opts.rebuild === true || (Array.isArray(opts.rebuild) && opts.rebuild.includes(c.name));
      const entry = await ensureComponent(c, env, log, rebuild, goCache);
      built ||= entry.built;
      for (const t of c.tools) result[t.name] ??= path.join(entry.dir, t.name);
    });
  } finally {
    // One private cache for the whole run, removed once at the end (the user's Go caches stay untouched).
    if (!keep) removeGoCache(goCache);
  }
  if (built) log(diskNote(env, before, keep ? goCache : undefined));
  return result as Toolchain;
}

/** Components built at once (GKEFLOW_TOOLCHAIN_JOBS, default 2): one build's downloads and links overlap another's compiles. */
export function toolchainJobs(env: NodeJS.ProcessEnv): number {
  const raw = env.GKEFLOW_TOOLCHAIN_JOBS;
  if (raw === undefined || raw === '') return 2;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 16)
    throw new UsageError(`GKEFLOW_TOOLCHAIN_JOBS=${raw}: must be a whole number from 1 to 16`);
  return n;
}

/**
 * Runs fn for each component, `jobs` at a time, in order, a component waiting for the one it
 * reuses the compiled packages of (`after`) to be done. After a failure no new one starts; the
 * ones running finish (their temp dirs and the shared Go cache are cleaned after), then the
 * first error is thrown.
 */
export async function inLanes(wanted: Component[], jobs: number, fn: (c: Component) => Promise<void>): Promise<void> {
  const pending = [...wanted];
  const done = new Set<string>();
  const running = new Set<string>();
  const names = new Set(wanted.map((c) => c.name));
  let failed: { err: unknown } | undefined;
  const waiting: Array<() => void> = [];
  const ready = (c: Component) => c.after === undefined || !names.has(c.after) || done.has(c.after);
  const lane = async (): Promise<void> => {
    for (;;) {
      if (failed) return;
      if (pending.length === 0) return;
      let i = pending.findIndex(ready);
      if (i < 0 && running.size > 0) {
        // Everything left waits for a component another lane is building.
        await new Promise<void>((r) => waiting.push(r));
        continue;
      }
      // Nothing running that it could wait for (its `after` is not in this run's order): build it now.
      if (i < 0) i = 0;
      const [c] = pending.splice(i, 1);
      running.add(c!.name);
      try {
        await fn(c!);
      } catch (err) {
        failed ??= { err };
      } finally {
        running.delete(c!.name);
        done.add(c!.name);
        waiting.splice(0).forEach((w) => w());
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, wanted.length)) }, lane));
  if (failed) throw failed.err;
}

async function checkOverride(t: Tool, file: string): Promise<string> {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new UsageError(`${t.envVar}=${file}: no such file`);
  const out = await versionOf(abs, t).catch((e: Error) => {
    throw new UsageError(
      `${t.envVar}=${file}: '${path.basename(abs)} ${t.versionArgs.join(' ')}' failed: ${e.message.split('\n')[0]}`,
    );
  });
  if (!out.includes(t.expectVersion)) {
    // A different version may work; say so rather than refuse.
    process.emitWarning(
      `${t.envVar} points at ${out.trim().split('\n')[0]}, gkeflow is tested with ${t.expectVersion}`,
    );
  }
  return abs;
}

async function versionOf(file: string, t: Tool): Promise<string> {
  const { stdout, stderr } = await run(file, t.versionArgs, {
    timeout: 30_000,
    env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
  });
  return stdout + stderr;
}

/** Returns the entry dir when its marker and binaries are intact; undefined when not built; throws when corrupt. */
function checkEntry(c: Component, dir: string): Marker | undefined {
  const mf = markerFile(dir);
  if (!fs.existsSync(mf)) return undefined;
  let marker: Marker;
  try {
    marker = JSON.parse(fs.readFileSync(mf, 'utf8')) as Marker;
  } catch {
    throw new CorruptCacheError(dir, 'unreadable .complete.json');
  }
  for (const t of c.tools) {
    const f = path.join(dir, t.name);
    let st: fs.Stats;
    try {
      st = fs.statSync(f);
    } catch {
      throw new CorruptCacheError(dir, `${t.name} is missing`);
    }
    if (st.size !== marker.files[t.name])
      throw new CorruptCacheError(dir, `${t.name} has ${st.size} bytes, expected ${marker.files[t.name]}`);
    if (!(st.mode & 0o111)) throw new CorruptCacheError(dir, `${t.name} is not executable`);
  }
  return marker;
}

async function ensureComponent(
  c: Component,
  env: NodeJS.ProcessEnv,
  log: (l: string) => void,
  rebuild: boolean,
  goCache: string,
): Promise<{ dir: string; built: boolean }> {
  const dir = entryDir(c, env);
  if (!rebuild && checkEntry(c, dir)) return { dir, built: false };
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  return withDirLock(`${dir}.lock`, log, `${c.name} is being built by another process`, async () => {
    if (!rebuild && checkEntry(c, dir)) return { dir, built: false }; // built by whoever held the lock
    await buildComponent(c, dir, env, log, goCache);
    return { dir, built: true };
  });
}

function findGo(env: NodeJS.ProcessEnv): string {
  if (env.GKEFLOW_GO) {
    if (!fs.existsSync(env.GKEFLOW_GO)) throw new UsageError(`GKEFLOW_GO=${env.GKEFLOW_GO}: no such file`);
    return env.GKEFLOW_GO;
  }
  for (const p of (env.PATH ?? '').split(path.delimiter)) {
    const f = path.join(p, 'go');
    if (p && fs.existsSync(f)) return f;
  }
  throw new GoMissingError();
}

async function buildComponent(
  c: Component,
  dir: string,
  env: NodeJS.ProcessEnv,
  log: (l: string) => void,
  goCache: string,
): Promise<void> {
  const go = findGo(env);
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const started = Date.now();
  const names = c.tools.map((t) => t.name).join(', ');
  log(`building ${c.name} v${c.version} (${names}) from Go modules; first build takes minutes`);
  const ticker = setInterval(
    () => log(`  … ${c.name} still building, ${fmtSeconds((Date.now() - started) / 1000)}`),
    30_000,
  );
  // A private module and build cache: the user's own Go caches are neither filled (GBs) nor used.
  const goEnv = {
    ...env,
    CGO_ENABLED: '0',
    GOBIN: tmp,
    GOTOOLCHAIN: env.GOTOOLCHAIN ?? 'local',
    GOMODCACHE: path.join(goCache, 'mod'),
    GOCACHE: path.join(goCache, 'build'),
    GOFLAGS: `${env.GOFLAGS ?? ''} -modcacherw`.trim(),
  };
  try {
    for (const inv of goInvocations(c, tmp)) await goRun(go, inv.args, inv.cwd, { ...goEnv, ...inv.env }, c.name);
    if (c.build.kind === 'install') {
      for (const [from, to] of Object.entries(c.build.rename ?? {}))
        fs.renameSync(path.join(tmp, from), path.join(tmp, to));
      for (const m of c.build.moduleDirs ?? [])
        fs.cpSync(path.join(goEnv.GOMODCACHE, m.module, m.dir), path.join(tmp, m.dir), { recursive: true });
    } else if (c.build.kind === 'wrapper' && c.build.packages.length > 1) {
      for (const p of c.build.packages) {
        const from = goExecName(p.pkg);
        if (from !== p.out) fs.renameSync(path.join(tmp, from), path.join(tmp, p.out));
      }
    }
    const files: Record<string, number> = {};
    for (const t of c.tools) {
      const f = path.join(tmp, t.name);
      const out = await versionOf(f, t).catch((e: Error) => {
        throw new ToolchainBuildError(
          c.name,
          `${t.name} ${t.versionArgs.join(' ')} failed: ${e.message.split('\n')[0]}`,
        );
      });
      if (!out.includes(t.expectVersion))
        throw new ToolchainBuildError(
          c.name,
          `${t.name} reports '${out.trim().split('\n')[0]}', expected ${t.expectVersion}`,
        );
      files[t.name] = fs.statSync(f).size;
    }
    if (c.build.kind === 'cross')
      for (const t of c.build.targets) files[t.out] = fs.statSync(path.join(tmp, t.out)).size;
    const seconds = Math.round((Date.now() - started) / 1000);
    const marker: Marker = { version: c.version, builtAt: new Date().toISOString(), seconds, files };
    fs.writeFileSync(markerFile(tmp), JSON.stringify(marker, null, 2));
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    log(`built ${c.name} v${c.version} in ${fmtSeconds(seconds)} → ${dir}`);
  } finally {
    clearInterval(ticker);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Compiler flags of every build. They change nothing a binary does: the compiler skips the DWARF
 * that every component's `-ldflags -w` drops at link anyway, and `-trimpath` leaves file paths
 * out of the binary (stack traces name module paths). `-trimpath` is part of the Go cache's key:
 * with it on every build, `go install` (the Temporal CLI) reuses the standard library the wrapper
 * builds compiled instead of compiling ~100 packages again (measured 2026-12-08). Not part of the
 * cache entry's name: binaries built before them stay valid.
 */
export const GO_COMPILE_FLAGS = ['-trimpath', '-gcflags=all=-dwarf=false'];

/** One `go` command of a component's build: arguments, working directory, extra environment. */
export interface GoInvocation {
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/**
 * The `go` commands that build a component into `out`. A wrapper module's binaries are built by
 * one `go build -o out/`, so the go command compiles their packages together and links one
 * binary while it compiles the next one's packages (four commands linked one after another).
 */
export function goInvocations(c: Component, out: string): GoInvocation[] {
  const b = c.build;
  if (b.kind === 'install')
    return [{ args: ['install', ...GO_COMPILE_FLAGS, '-ldflags', b.ldflags, ...b.packages], cwd: repoRoot, env: {} }];
  const cwd = path.join(repoRoot, b.moduleDir);
  // The wrapper modules live in this git repository: no stamping of its commit (and no git run).
  const flags = ['-buildvcs=false', ...GO_COMPILE_FLAGS, '-ldflags', b.ldflags];
  if (b.kind === 'cross')
    return b.targets.map((t): GoInvocation => ({
      args: ['build', ...flags, '-o', path.join(out, t.out), '.'],
      cwd,
      env: t.goos === 'host' ? {} : { GOOS: t.goos, GOARCH: t.goarch },
    }));
  const pkgs = b.packages.map((p) => p.pkg);
  const dest = pkgs.length === 1 ? path.join(out, b.packages[0]!.out) : out + path.sep;
  return [{ args: ['build', '-mod=readonly', ...flags, '-o', dest, ...pkgs], cwd, env: {} }];
}

/** The file name `go build -o DIR/` gives a package's binary: its last path element, or the one before a major version suffix. */
export function goExecName(pkg: string): string {
  const parts = pkg.split('/');
  const last = parts[parts.length - 1]!;
  return /^v[2-9][0-9]*$/.test(last) && parts.length > 1 ? parts[parts.length - 2]! : last;
}

function goRun(go: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, component: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(go, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (b: Buffer) => {
      tail = (tail + b.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (e) => reject(new ToolchainBuildError(component, e.message)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new ToolchainBuildError(component, `go ${args[0]} exited ${code}:\n${tail.trim()}`));
    });
  });
}

/** What `stack toolchain --list` shows: each component, where it lives, whether it is built. */
export function describeToolchain(
  env: NodeJS.ProcessEnv = process.env,
): Array<{ component: string; version: string; dir: string; state: string; seconds?: number }> {
  return components.map((c) => {
    const dir = entryDir(c, env);
    let state = 'not built';
    let seconds: number | undefined;
    try {
      const m = checkEntry(c, dir);
      if (m) {
        state = 'cached';
        seconds = m.seconds;
      }
    } catch (e) {
      state = `corrupt: ${(e as Error).message}`;
    }
    return { component: c.name, version: c.version, dir, state, seconds };
  });
}

export function fmtSeconds(s: number): string {
  const m = Math.floor(s / 60);
  return m ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}
