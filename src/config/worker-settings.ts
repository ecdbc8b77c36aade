/**
 * How a production worker runs, from env vars (one place, so the CLI, the Kubernetes manifests
 * and docs/production.md name the same variables): its shutdown grace, Worker Versioning, the
 * metrics and health endpoints, the log format. A malformed value is a usage error naming it.
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
} as const);

/** How long in-flight activities may finish after SIGTERM before they are cancelled (default). */
export const DEFAULT_SHUTDOWN_GRACE = '30s';

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
}

function hostPort(name: string, v: string): { host: string; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(v);
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new UsageError(`${name}=${v}: expected HOST:PORT, e.g. 0.0.0.0:9464`);
  return { host: m[1] || '0.0.0.0', port };
}

/** Reads the worker settings; throws a UsageError naming the first malformed variable. */
export function workerSettings(env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const grace = env[WORKER_ENV.shutdownGrace] || DEFAULT_SHUTDOWN_GRACE;
  const shutdownGraceMs = parseDuration(grace);
  if (shutdownGraceMs === undefined)
    throw new UsageError(`${WORKER_ENV.shutdownGrace}=${grace}: expected a duration like 30s or 2m`);
  const s: WorkerSettings = { shutdownGraceMs, logFormat: 'text' };
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
