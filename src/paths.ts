import os from 'node:os';
import path from 'node:path';

/** The repository root (where package.json and tools/ live). */
export const repoRoot = path.resolve(__dirname, '..');

/** Per-user cache shared by every clone, test run and CI run on this machine. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GKEFLOW_CACHE_DIR) return path.resolve(env.GKEFLOW_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'gkeflow');
}

/** Where the local stack keeps its state: SQLite, registry storage, logs, pid files. Gitignored. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.GKEFLOW_STATE_DIR || path.join(repoRoot, '.gkeflow'));
}
