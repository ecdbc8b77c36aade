import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The package root (where package.json and tools/ live): the repository in a checkout, the
 * installed package's directory in an install (this file is src/paths.ts or dist/paths.js).
 */
export const repoRoot = path.resolve(__dirname, '..');

/**
 * True in a source checkout (the TypeScript sources are there), false in an installed package,
 * which ships dist/ only. A checkout keeps its state in `.gkeflow/` beside the sources; an
 * install never writes into its own directory.
 */
export function isCheckout(root: string = repoRoot): boolean {
  return fs.existsSync(path.join(root, 'src', 'paths.ts'));
}

/** Per-user cache shared by every clone, test run and CI run on this machine (XDG_CACHE_HOME). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GKEFLOW_CACHE_DIR) return path.resolve(env.GKEFLOW_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'gkeflow');
}

/**
 * Where the local stack keeps its state: SQLite, registry storage, logs, pid files.
 * GKEFLOW_STATE_DIR wins; a checkout keeps `.gkeflow/` (gitignored); an install follows XDG
 * (`$XDG_STATE_HOME/gkeflow`, default `~/.local/state/gkeflow`).
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env, root: string = repoRoot): string {
  if (env.GKEFLOW_STATE_DIR) return path.resolve(env.GKEFLOW_STATE_DIR);
  if (isCheckout(root)) return path.join(root, '.gkeflow');
  const xdg = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(xdg, 'gkeflow');
}

/** True when this code runs compiled (dist/*.js), false when it runs from source through tsx. */
const compiled = path.extname(__filename) === '.js';

/**
 * The node arguments that run one of gkeflow's entry modules (`worker`, `cli/main`,
 * `emulator/main`) in a child process of the local stack: the compiled file in an install, the
 * TypeScript source through tsx in a checkout (tsx resolves from cwd: use repoRoot).
 */
export function entryArgs(entry: string): string[] {
  return compiled ? [path.join(__dirname, `${entry}.js`)] : ['--import', 'tsx', path.join(__dirname, `${entry}.ts`)];
}

/** gkeflow's version, from its package.json (the one fact, read where the package is). */
export function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
