/**
 * How a production worker runs, from env vars (one place, so the CLI, the Kubernetes manifests
 * and docs/production.md name the same variables): its shutdown grace, Worker Versioning, the
 * metrics and health endpoints, the log format, its slots, pollers and workflow cache. A
 * malformed value is a usage error naming it.
 */
import { parseDuration } from '../envspec/names';
import { UsageError } from './errors';

/** The env var of each worker setting. */
export const WORKER_ENV = Object.freeze({
  shutdownGrace: 'GKEFLOW_SHUTDOWN_GRACE',
  deploymentName: 'GKEFLOW_WORKER_DEPLOYMENT',
  buildId: 'GKEFLOW_WORKER_BUILD_ID',
  versioningBehavior: 'GKEFLOW_WORKER_VERSIONING_BEHAVIOR',
  metricsAddress: 'GKEFLOW_METRICS_ADDRESS',
  healthAddress: 'GKEFLOW_HEALTH_ADDRESS',
  logFormat: 'GKEFLOW_LOG_FORMAT',
  maxCachedWorkflows: 'GKEFLOW_MAX_CACHED_WORKFLOWS',
  workflowTaskSlots: 'GKEFLOW_WORKFLOW_TASK_SLOTS',
  activitySlots: 'GKEFLOW_ACTIVITY_SLOTS',
  workflowTaskPollers: 'GKEFLOW_WORKFLOW_TASK_POLLERS',
  activityPollers: 'GKEFLOW_ACTIVITY_POLLERS',
} as const);

/**
 * The process environment the worker image runs `gkeflow worker` with (WORKER_IMAGE_CONFIG,
 * deploy/image/Dockerfile; docs/production.md "Sizing a worker"). glibc and node read these at
 * process start, so the worker cannot set them for itself; the local stack and the benches start
 * their worker with them (withWorkerProcessEnv).
 * Measured together (bench/idle-environments.ts, 300 idle environments, cache 100, 2026-12-08):
 * 517 MB five seconds after the last was provisioned → 403 MB a minute later without them,
 * 422 → 247 MB with them. Small V8 young generations (2 MB semi-spaces instead of up to 16 MB,
 * in the main thread and the workflow thread alike) let V8's memory reducer give an idle worker's
 * heap pages back; two malloc arenas instead of 8 per core keep the Rust core's and Node's
 * native allocations from spreading over arenas that are never returned.
 */
export const WORKER_PROCESS_ENV = Object.freeze({
  MALLOC_ARENA_MAX: '2',
  NODE_OPTIONS: '--max-semi-space-size=2',
} as const);

/** env with WORKER_PROCESS_ENV added, its NODE_OPTIONS after any env already has (a process that starts a worker). */
export function withWorkerProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    ...WORKER_PROCESS_ENV,
    NODE_OPTIONS: [env.NODE_OPTIONS, WORKER_PROCESS_ENV.NODE_OPTIONS].filter(Boolean).join(' '),
  };
}

/** How long in-flight activities may finish after SIGTERM before they are cancelled (default). */
export const DEFAULT_SHUTDOWN_GRACE = '30s';

/**
 * How much a worker takes on at once. The defaults are measured on 2 cores (bench/many-environments.ts,
 * bench/idle-environments.ts; the figures are in docs/production.md, "Sizing a worker"): a cache of
 * 100 left 1,000 idle environments at 509 MB of RSS (250: 690 MB) with an evicted one answering
 * `status` in under 100 ms.
 */
export interface WorkerTuning {
  /** Workflows kept in memory between their tasks (maxCachedWorkflows); an evicted one replays its history. */
  maxCachedWorkflows: number;
  /** Workflow tasks run at once (maxConcurrentWorkflowTaskExecutions). */
  workflowTaskSlots: number;
  /** Activities run at once (maxConcurrentActivityTaskExecutions). */
  activitySlots: number;
  /** Concurrent workflow-task long polls (maxConcurrentWorkflowTaskPolls). */
  workflowTaskPollers: number;
  /** Concurrent activity-task long polls (maxConcurrentActivityTaskPolls). */
  activityPollers: number;
}

/** The tuning a worker runs with when no variable says otherwise. */
export const DEFAULT_TUNING: Readonly<WorkerTuning> = Object.freeze({
  maxCachedWorkflows: 100,
  workflowTaskSlots: 40,
  activitySlots: 100,
  workflowTaskPollers: 10,
  activityPollers: 10,
});

export interface WorkerSettings {
  /** Milliseconds in-flight activities get after a shutdown request (Worker's shutdownGraceTime). */
  shutdownGraceMs: number;
  /** Worker Versioning, when GKEFLOW_WORKER_DEPLOYMENT and GKEFLOW_WORKER_BUILD_ID are set. */
  deployment?: { deploymentName: string; buildId: string; defaultVersioningBehavior: 'PINNED' | 'AUTO_UPGRADE' };
  /** host:port of the Prometheus endpoint (Temporal's runtime metrics and gkeflow's). */
  metricsAddress?: { host: string; port: number };
  /** host:port of /healthz and /readyz. */
  healthAddress?: { host: string; port: number };
  logFormat: 'json' | 'text';
  tuning: WorkerTuning;
}

function hostPort(name: string, v: string): { host: string; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(v);
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new UsageError(`${name}=${v}: expected HOST:PORT, e.g. 0.0.0.0:9464`);
  return { host: m[1] || '0.0.0.0', port };
}

/** A whole number from min up, or dflt when unset. */
function count(env: NodeJS.ProcessEnv, key: keyof WorkerTuning, min: number, dflt: number): number {
  const name = WORKER_ENV[key];
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min)
    throw new UsageError(`${name}=${v}: expected a whole number ≥ ${min}`);
  return n;
}

/**
 * The tuning from env vars. An unset value follows the ones it depends on (pollers ≤ slots,
 * workflow-task slots ≤ cache, as the Temporal worker requires); two set values that break that
 * are a usage error rather than a silent adjustment.
 */
function workerTuning(env: NodeJS.ProcessEnv): WorkerTuning {
  const d = DEFAULT_TUNING;
  const maxCachedWorkflows = count(env, 'maxCachedWorkflows', 0, d.maxCachedWorkflows);
  const cacheCap = maxCachedWorkflows > 0 ? Math.max(2, maxCachedWorkflows) : Infinity;
  const workflowTaskSlots = count(env, 'workflowTaskSlots', 2, Math.min(d.workflowTaskSlots, cacheCap));
  const activitySlots = count(env, 'activitySlots', 1, d.activitySlots);
  const t: WorkerTuning = {
    maxCachedWorkflows,
    workflowTaskSlots,
    activitySlots,
    workflowTaskPollers: count(env, 'workflowTaskPollers', 2, Math.min(d.workflowTaskPollers, workflowTaskSlots)),
    activityPollers: count(env, 'activityPollers', 1, Math.min(d.activityPollers, activitySlots)),
  };
  const atMost = (key: keyof WorkerTuning, limit: keyof WorkerTuning, why: string) => {
    if (t[key] > t[limit])
      throw new UsageError(`${WORKER_ENV[key]}=${t[key]}: must not exceed ${WORKER_ENV[limit]} (${t[limit]}): ${why}`);
  };
  atMost('workflowTaskPollers', 'workflowTaskSlots', 'each poll holds a workflow-task slot');
  atMost('activityPollers', 'activitySlots', 'each poll holds an activity slot');
  if (t.maxCachedWorkflows > 0)
    atMost('workflowTaskSlots', 'maxCachedWorkflows', 'every workflow task in flight needs a place in the cache');
  return t;
}

/** Reads the worker settings; throws a UsageError naming the first malformed variable. */
export function workerSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const grace = env[WORKER_ENV.shutdownGrace] || DEFAULT_SHUTDOWN_GRACE;
  const shutdownGraceMs = parseDuration(grace);
  if (shutdownGraceMs === undefined)
    throw new UsageError(`${WORKER_ENV.shutdownGrace}=${grace}: expected a duration like 30s or 2m`);
  const s: WorkerSettings = { shutdownGraceMs, logFormat: 'text', tuning: workerTuning(env) };
  const name = env[WORKER_ENV.deploymentName];
  const buildId = env[WORKER_ENV.buildId];
  if (!!name !== !!buildId)
    throw new UsageError(
      `${name ? WORKER_ENV.buildId : WORKER_ENV.deploymentName}: must be set together with the other`,
    );
  if (name && buildId) {
    const b = env[WORKER_ENV.versioningBehavior] || 'AUTO_UPGRADE';
    if (b !== 'PINNED' && b !== 'AUTO_UPGRADE')
      throw new UsageError(`${WORKER_ENV.versioningBehavior}=${b}: expected PINNED or AUTO_UPGRADE`);
    s.deployment = { deploymentName: name, buildId, defaultVersioningBehavior: b };
  }
  const metrics = env[WORKER_ENV.metricsAddress];
  if (metrics) s.metricsAddress = hostPort(WORKER_ENV.metricsAddress, metrics);
  const health = env[WORKER_ENV.healthAddress];
  if (health) s.healthAddress = hostPort(WORKER_ENV.healthAddress, health);
  const f = env[WORKER_ENV.logFormat];
  if (f && f !== 'json' && f !== 'text') throw new UsageError(`${WORKER_ENV.logFormat}=${f}: expected json or text`);
  if (f === 'json') s.logFormat = 'json';
  return s;
}
