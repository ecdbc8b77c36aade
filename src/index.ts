/**
 * gkeflow as a library, for teams that run their own Temporal workers: register gkeflow's
 * workflows and activities on a worker you already run (your interceptors, your task queue),
 * and drive environments from your own code.
 *
 *   const { activities } = activitiesForTarget(targetConfigFromEnv());
 *   await Worker.create({ connection, taskQueue: 'my-queue', ...workflowSource(), activities });
 *   await startEnvironment(client, spec, { taskQueue: 'my-queue' });
 */
export { createActivities, activitiesForTarget, type ActivityDeps, type ActivityTimings } from './activities';
export { createTargetClients, targetConfigFromEnv, type TargetConfig } from './clients';
export type { GkeflowActivities } from './contract/activities';
export { workflowsPath, workflowBundlePath, workflowSource } from './workflow-source';
export { startEnvironment, environmentStatus, teardown, type StartEnvironmentOptions, type Started } from './client';
export { runWorker, workerConfig, productionOptions } from './worker';
export { workerSettings, WORKER_ENV, type WorkerSettings } from './config/worker-settings';
export { dataConverterFor, temporalConfig, connectionOptions, type TemporalConfig } from './temporal/connection';
export { TASK_QUEUES } from './config/endpoints';
export { loadSpecFile, parseSpec, validateSpec, SpecValidationError, type EnvironmentSpec } from './envspec';
export { activityMetrics } from './observability/activity-metrics';
export { GkeflowMetrics } from './observability/metrics';
export * from './workflows';
