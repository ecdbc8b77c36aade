/**
 * The gkeflow worker: environment workflows + activities for one target on that target's task
 * queue (TASK_QUEUES in src/config/endpoints, or GKEFLOW_TASK_QUEUE). Run with
 * `npx gkeflow worker`; the local stack starts one.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import { activitiesForTarget } from './activities';
import { targetConfigFromEnv } from './clients';
import { readEndpoints } from './config/endpoints';
import { requireSearchAttributes } from './temporal/search-attributes';
import { connectionOptions, dataConverterFor, taskQueueFor, temporalConfig } from './temporal/connection';

/** What a worker runs with: its target, its Temporal settings and the task queue it polls, from one read of the endpoints. */
export function workerConfig(env: NodeJS.ProcessEnv = process.env) {
  const endpoints = readEndpoints(env);
  const target = targetConfigFromEnv(env, endpoints);
  const cfg = temporalConfig(env, endpoints);
  return { target, cfg, taskQueue: taskQueueFor(target.target, cfg) };
}

/** Runs the worker until SIGINT/SIGTERM; returns when it has shut down. */
export async function runWorker(log: (l: string) => void = console.log): Promise<void> {
  const { target, cfg, taskQueue } = workerConfig();
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
      workflowsPath: require.resolve('./workflows'),
      activities,
    });
    const local =
      target.target === 'local' ? ` (emulator ${target.emulatorAddress}, registry ${target.registryAddress})` : '';
    const payloads = cfg.codecKeys ? `payloads encrypted (key ${cfg.codecKeys.active.id})` : 'payloads plain';
    log(`gkeflow worker: task queue ${taskQueue} on ${cfg.address}, target ${target.target}${local}, ${payloads}`);
    await worker.run();
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
