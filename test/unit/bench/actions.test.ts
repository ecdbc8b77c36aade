import { test } from 'node:test';
import assert from 'node:assert/strict';
import { temporal } from '@temporalio/proto';
import { addActions, billableActions, totalActions } from '../../../bench/actions';

const T = temporal.api.enums.v1.EventType;
type Event = temporal.api.history.v1.IHistoryEvent;
let id = 0;
/** History ids are int64 (Long) in the types; a plain number is what a decoded small id reads as. */
const long = (n: number) => n as unknown as NonNullable<Event['eventId']>;
const ev = (eventType: temporal.api.enums.v1.EventType, extra: Partial<Event> = {}): Event => ({
  eventId: long(++id),
  eventType,
  ...extra,
});

void test('counts each billable action once: starts, activity attempts, timers, signals received, updates, upserts', () => {
  id = 0;
  const history = {
    events: [
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
      ev(T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
      ev(T.EVENT_TYPE_WORKFLOW_TASK_STARTED),
      ev(T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
      ev(T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES),
      ev(T.EVENT_TYPE_MARKER_RECORDED, { markerRecordedEventAttributes: { markerName: 'core_patch' } }),
      ev(T.EVENT_TYPE_MARKER_RECORDED, { markerRecordedEventAttributes: { markerName: 'core_local_activity' } }),
      ev(T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED), // 8: retried twice, third attempt started
      ev(T.EVENT_TYPE_ACTIVITY_TASK_STARTED, {
        activityTaskStartedEventAttributes: { scheduledEventId: long(8), attempt: 3 },
      }),
      ev(T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED),
      ev(T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED), // 11: never started
      ev(T.EVENT_TYPE_TIMER_STARTED),
      ev(T.EVENT_TYPE_TIMER_FIRED),
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
      ev(T.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED), // counted where it is received
      ev(T.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED), // counted as the child's start
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED),
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED),
    ],
  };
  const c = billableActions(history);
  assert.deepEqual(c, {
    'workflow started': 1,
    'activity (attempts)': 4,
    'timer started': 1,
    signal: 1,
    update: 1,
    'search attribute upsert': 1,
    'local activity': 1,
  });
  assert.equal(totalActions(c), 10);
  assert.equal(totalActions(addActions(c, c)), 20);
});

void test('a history of workflow tasks alone costs nothing', () => {
  const events = [T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, T.EVENT_TYPE_WORKFLOW_TASK_STARTED].map((t) => ev(t));
  assert.equal(totalActions(billableActions({ events })), 0);
});
