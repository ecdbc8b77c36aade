// The payloads a workflow run's history holds, measured as the Temporal server measures them
// against its blob size limit (`limit.blobSize.error`, default 2 MiB = 2,097,152 bytes per event;
// `limit.blobSize.warn` 512 KiB): the protobuf-encoded size of each event's Payloads — activity
// inputs and results, child workflow inputs and results, the run's input (a continued run's is
// the continue-as-new input) and its result.
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;
type History = temporal.api.history.v1.IHistory;
type Payloads = temporal.api.common.v1.IPayloads | null | undefined;

/** Temporal's default per-event payload limit (limit.blobSize.error): 2 MiB. */
export const BLOB_SIZE_LIMIT_ERROR = 2 * 1024 * 1024;
/** Temporal's default per-event payload warning (limit.blobSize.warn): 512 KiB. */
export const BLOB_SIZE_LIMIT_WARN = 512 * 1024;

/** One payload in a history: what carried it and its size in bytes. */
export interface PayloadSize {
  /** e.g. `listClusters result`, `teardownWorkflow input`, `continue-as-new input`. */
  what: string;
  bytes: number;
}

const sizeOf = (p: Payloads) => (p?.payloads?.length ? temporal.api.common.v1.Payloads.encode(p).finish().length : 0);

/** Every payload of one run's history with its size, and the number of events. */
export function historyPayloads(history: History): { events: number; payloads: PayloadSize[] } {
  const events = history.events ?? [];
  const activityType = new Map<number, string>();
  const childType = new Map<number, string>();
  const out: PayloadSize[] = [];
  const add = (what: string, p: Payloads) => {
    const bytes = sizeOf(p);
    if (bytes > 0) out.push({ what, bytes });
  };
  for (const e of events) {
    const id = Number(e.eventId);
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: {
        const a = e.workflowExecutionStartedEventAttributes;
        add(a?.continuedExecutionRunId ? 'continue-as-new input' : 'reaper input', a?.input);
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const name = e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
        activityType.set(id, name);
        add(`${name} input`, e.activityTaskScheduledEventAttributes?.input);
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
        const a = e.activityTaskCompletedEventAttributes;
        add(`${activityType.get(Number(a?.scheduledEventId)) ?? '?'} result`, a?.result);
        break;
      }
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED: {
        const name = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name ?? '?';
        childType.set(id, name);
        add(`${name} input`, e.startChildWorkflowExecutionInitiatedEventAttributes?.input);
        break;
      }
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED: {
        const a = e.childWorkflowExecutionCompletedEventAttributes;
        add(`${childType.get(Number(a?.initiatedEventId)) ?? '?'} result`, a?.result);
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
        add('continue-as-new input', e.workflowExecutionContinuedAsNewEventAttributes?.input);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
        add('reaper result', e.workflowExecutionCompletedEventAttributes?.result);
        break;
    }
  }
  return { events: events.length, payloads: out };
}

/** The largest of some payloads (undefined when there are none). */
export const largest = (ps: PayloadSize[]): PayloadSize | undefined =>
  ps.reduce<PayloadSize | undefined>((m, p) => (!m || p.bytes > m.bytes ? p : m), undefined);

/** Bytes as `123.4 KiB` / `1.23 MiB`. */
export const bytesStr = (n: number) =>
  n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
