/**
 * The Worker.create options gkeflow's settings give (src/config/worker-settings.ts): one place,
 * so `gkeflow worker`, a library user's own worker and the benches run with the same slots,
 * pollers and workflow cache.
 */
import type { WorkerOptions } from '@temporalio/worker';
import type { WorkerSettings, WorkerTuning } from './config/worker-settings';

/** The Worker.create options the tuning sets. */
export function tuningOptions(
  t: WorkerTuning,
): Pick<
  WorkerOptions,
  | 'maxCachedWorkflows'
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentActivityTaskExecutions'
  | 'workflowTaskPollerBehavior'
  | 'activityTaskPollerBehavior'
> {
  return {
    maxCachedWorkflows: t.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: t.workflowTaskSlots,
    maxConcurrentActivityTaskExecutions: t.activitySlots,
    // maxConcurrent*TaskPolls are no longer read by the SDK (1.24): the poller behaviour is.
    workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: t.workflowTaskPollers },
    activityTaskPollerBehavior: { type: 'simple-maximum', maximum: t.activityPollers },
  };
}

/** The Worker.create options a production setting adds: shutdown grace, Worker Versioning, slots, pollers, cache. */
export function productionOptions(s: WorkerSettings) {
  return {
    shutdownGraceTime: s.shutdownGraceMs,
    ...tuningOptions(s.tuning),
    ...(s.deployment
      ? {
          workerDeploymentOptions: {
            useWorkerVersioning: true,
            version: { deploymentName: s.deployment.deploymentName, buildId: s.deployment.buildId },
            defaultVersioningBehavior: s.deployment.defaultVersioningBehavior,
          },
        }
      : {}),
  } satisfies Partial<WorkerOptions>;
}

/** One line naming the tuning a worker runs with (for its start-up line and the benches). */
export function describeTuning(t: WorkerTuning): string {
  return (
    `workflow cache ${t.maxCachedWorkflows}, workflow-task slots ${t.workflowTaskSlots} (${t.workflowTaskPollers} pollers), ` +
    `activity slots ${t.activitySlots} (${t.activityPollers} pollers)`
  );
}
