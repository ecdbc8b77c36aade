// Reading figures from a workflow's own history: each activity's schedule-to-start and
// scheduled → completed time, and the workflow tasks' schedule-to-start.
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;
type History = temporal.api.history.v1.IHistory;

export const eventMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

export interface ActivityTiming {
  type: string;
  scheduledAt: number;
  /** Scheduled → started (the worker picked it up). */
  scheduleToStartMs?: number;
  /** Scheduled → completed (what the step took, as Temporal recorded it). */
  ms?: number;
  completedAt?: number;
}

export interface HistoryTimings {
  startedAt: number;
  activities: ActivityTiming[];
  /** Workflow task scheduled → started, for every workflow task. */
  workflowTaskScheduleToStartMs: number[];
}

export function historyTimings(history: History): HistoryTimings {
  const events = history.events ?? [];
  const byId = new Map<number, ActivityTiming>();
  const activities: ActivityTiming[] = [];
  const wfScheduled = new Map<number, number>();
  const wfs: number[] = [];
  for (const e of events) {
    const at = eventMs(e.eventTime);
    switch (e.eventType) {
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const a = { type: e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?', scheduledAt: at };
        byId.set(Number(e.eventId), a);
        activities.push(a);
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        const a = byId.get(Number(e.activityTaskStartedEventAttributes?.scheduledEventId));
        if (a) a.scheduleToStartMs = at - a.scheduledAt;
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
        const a = byId.get(Number(e.activityTaskCompletedEventAttributes?.scheduledEventId));
        if (a) {
          a.ms = at - a.scheduledAt;
          a.completedAt = at;
        }
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        wfScheduled.set(Number(e.eventId), at);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED: {
        const s = wfScheduled.get(Number(e.workflowTaskStartedEventAttributes?.scheduledEventId));
        if (s !== undefined) wfs.push(at - s);
        break;
      }
    }
  }
  return { startedAt: eventMs(events[0]?.eventTime), activities, workflowTaskScheduleToStartMs: wfs };
}
