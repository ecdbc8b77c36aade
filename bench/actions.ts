// Temporal Cloud billable actions, counted from a workflow's own history the way
// https://docs.temporal.io/cloud/actions lists them: Workflow started (client start,
// continue-as-new, child start), Activity started (and each retry), Timer started, Signal sent,
// Update, Search attribute upsert, Local activity. Queries and heartbeats are billed too but never
// reach a history: the bench says so beside its figures (gkeflow's health activities do not
// heartbeat; a status query is the user's own action).
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;
type History = temporal.api.history.v1.IHistory;

/** The kinds of billable action a history shows. */
export type ActionKind =
  | 'workflow started'
  | 'activity (attempts)'
  | 'timer started'
  | 'signal'
  | 'update'
  | 'search attribute upsert'
  | 'local activity';

/**
 * Counts the billable actions of one run's history, by kind. Each action is counted once, on the
 * side that holds it: a signal in the history of the workflow that RECEIVED it
 * (WorkflowExecutionSignaled), not again as the sender's SignalExternalWorkflowExecutionInitiated;
 * a child start as the child's WorkflowExecutionStarted, not as the parent's
 * StartChildWorkflowExecutionInitiated. So the histories of every workflow involved add up.
 * An activity counts each attempt (its ActivityTaskStarted's attempt number; 1 if it never
 * started). Markers count only as local activities (`patched()` markers are not actions).
 */
/** A count of every kind, all zero. */
export const noActions = (): Record<ActionKind, number> => ({
  'workflow started': 0,
  'activity (attempts)': 0,
  'timer started': 0,
  signal: 0,
  update: 0,
  'search attribute upsert': 0,
  'local activity': 0,
});

export function billableActions(history: History): Record<ActionKind, number> {
  const n = noActions();
  const scheduled = new Set<number>();
  for (const e of history.events ?? []) {
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        n['workflow started'] += 1;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        scheduled.add(Number(e.eventId));
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        scheduled.delete(Number(e.activityTaskStartedEventAttributes?.scheduledEventId ?? 0));
        n['activity (attempts)'] += Math.max(1, e.activityTaskStartedEventAttributes?.attempt ?? 1);
        break;
      case EventType.EVENT_TYPE_TIMER_STARTED:
        n['timer started'] += 1;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        n.signal += 1;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        n.update += 1;
        break;
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        n['search attribute upsert'] += 1;
        break;
      case EventType.EVENT_TYPE_MARKER_RECORDED:
        if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') n['local activity'] += 1;
        break;
      default:
    }
  }
  // Scheduled but never started (still queued, or timed out before a worker took it): one attempt.
  n['activity (attempts)'] += scheduled.size;
  return n;
}

/** Adds counts (of many histories) together. */
export function addActions(a: Record<ActionKind, number>, b: Record<ActionKind, number>): Record<ActionKind, number> {
  const out = { ...a };
  for (const k of Object.keys(b) as ActionKind[]) out[k] += b[k];
  return out;
}

/** The total of a count. */
export const totalActions = (c: Record<ActionKind, number>) => Object.values(c).reduce((s, v) => s + v, 0);
