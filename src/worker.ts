/**
 * The gkeflow worker: environment workflows + activities for one target on that target's task
 * queue (TASK_QUEUES in src/config/endpoints, or GKEFLOW_TASK_QUEUE). Run with `gkeflow worker`;
 * the local stack starts one. In production (docs/production.md) it drains on SIGTERM within
 * GKEFLOW_SHUTDOWN_GRACE, serves metrics and health, and logs JSON when asked.
 */
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { activitiesForTarget } from './activities';
import { targetConfigFromEnv } from './clients';
import { readEndpoints } from './config/endpoints';
import { workerSettings } from './config/worker-settings';
import { activityMetrics } from './observability/activity-metrics';
import { workerLogger } from './observability/logger';
import { GkeflowMetrics } from './observability/metrics';
import { serveWorkerEndpoint } from './observability/worker-endpoint';
import { requireSearchAttributes } from './temporal/search-attributes';
import { connectionOptions, dataConverterFor, taskQueueFor, temporalConfig } from './temporal/connection';
import { workflowSource } from './workflow-source';
import { describeTuning, productionOptions } from './worker-options';

export { productionOptions } from './worker-options';

/** What a worker runs with: its target, its Temporal settings and the task queue it polls, from one read of the endpoints. */
export function workerConfig(env: NodeJS.ProcessEnv = process.env) {
  const endpoints = readEndpoints(env);
  const target = targetConfigFromEnv(env, endpoints);
  const cfg = temporalConfig(env, endpoints);
  return { target, cfg, taskQueue: taskQueueFor(target.target, cfg), settings: workerSettings(env) };
}

/**
 * Runs the worker until SIGINT/SIGTERM (Temporal's Runtime turns them into a shutdown: polling
 * stops, in-flight activities get the grace period); returns when it has shut down.
 */
export async function runWorker(log?: (l: string) => void): Promise<void> {
  const { target, cfg, taskQueue, settings } = workerConfig();
  const logger = workerLogger(settings.logFormat);
  Runtime.install({
    logger,
    ...(settings.metricsAddress
      ? {
          telemetryOptions: {
            metrics: { prometheus: { bindAddress: `${settings.metricsAddress.host}:${settings.metricsAddress.port}` } },
          },
        }
      : {}),
  });
  const say = settings.logFormat === 'json' || !log ? (l: string) => logger.info(l) : log;
  const metrics = new GkeflowMetrics();
  const { activities, close } = activitiesForTarget(target);
  const connection = await NativeConnection.connect(connectionOptions(cfg));
  try {
    // A worker never starts a run whose upserts would wedge its workflow task.
    await requireSearchAttributes(connection, cfg.namespace);
    const worker = await Worker.create({
      connection,
      namespace: cfg.namespace,
      taskQueue,
      dataConverter: dataConverterFor(cfg),
      ...workflowSource(),
      activities,
      interceptors: { activity: [activityMetrics(metrics)] },
      ...productionOptions(settings),
    });
    const endpoint = settings.healthAddress
      ? await serveWorkerEndpoint({ ...settings.healthAddress, worker, connection, namespace: cfg.namespace, metrics })
      : undefined;
    const local =
      target.target === 'local' ? ` (emulator ${target.emulatorAddress}, registry ${target.registryAddress})` : '';
    const payloads = cfg.codecKeys ? `payloads encrypted (key ${cfg.codecKeys.active.id})` : 'payloads plain';
    const served = endpoint ? `, health and metrics on :${endpoint.port}` : '';
    say(
      `gkeflow worker: task queue ${taskQueue} on ${cfg.address}, target ${target.target}${local}, ${payloads}${served}; ${describeTuning(settings.tuning)}`,
    );
    try {
      await worker.run();
    } finally {
      await endpoint?.close();
    }
    say('gkeflow worker: shut down');
  } finally {
    await connection.close();
    await close();
  }
}

if (require.main === module) {
  runWorker().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
