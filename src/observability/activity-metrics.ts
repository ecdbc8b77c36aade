/**
 * An activity interceptor that times every step and counts the reaper's deletions, feeding
 * GkeflowMetrics. It reads the activity's info only (names, workflow type), never its arguments.
 */
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { TEARDOWN_WORKFLOW } from '../contract/messages';
import type { GkeflowMetrics } from './metrics';

/** The reaper deletes through teardownWorkflow children: their delete activities are its deletions. */
const REAPING = new Set([TEARDOWN_WORKFLOW]);

/** Interceptors for Worker.create({ interceptors: { activity: [activityMetrics(m)] } }). */
export function activityMetrics(m: GkeflowMetrics): ActivityInterceptorsFactory {
  return (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        const { activityType, workflowType } = ctx.info;
        const start = process.hrtime.bigint();
        let outcome = 'failed';
        try {
          const r = await next(input);
          outcome = 'completed';
          // Every delete activity answers { deleted }: false when the resource was already gone.
          const deleted = (r as { deleted?: unknown } | undefined)?.deleted === true;
          if (deleted && workflowType && REAPING.has(workflowType)) m.reaperDeletions.inc({ activity: activityType });
          return r;
        } finally {
          m.stepDuration.observe({ step: activityType, outcome }, Number(process.hrtime.bigint() - start) / 1e9);
        }
      },
    },
  });
}
