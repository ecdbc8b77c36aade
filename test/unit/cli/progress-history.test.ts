import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressLines, progressStyle } from '../../../src/cli/environment-view';
import { stepsOf } from '../../../src/cli/commands/history';
import type { EnvironmentStatus } from '../../../src/contract/workflow-input';

const status = {
  phase: 'provisioning',
  resources: { image: 'pushed', cluster: 'creating', deployment: 'pending' },
  replicas: 0,
  poolSizes: { 'default-pool': 2 },
  stepsDone: 1,
  stepsTotal: 5,
  expiresAt: '2030-01-01T00:00:00Z',
} as unknown as EnvironmentStatus;

void test('live progress: redrawn coloured lines on a terminal, plain lines otherwise, no colour with NO_COLOR', () => {
  assert.deepEqual(progressStyle({ isTTY: true }, {}), { tty: true, color: true });
  assert.deepEqual(progressStyle({ isTTY: true }, { NO_COLOR: '1' }), { tty: true, color: false });
  assert.deepEqual(progressStyle({ isTTY: false }, {}), { tty: false, color: false });
  const plain = progressLines(status, 1500, { tty: true, color: false });
  assert.equal(plain.length, 4, 'a header and one line per resource');
  assert.match(plain[0]!, /^\[ {3}1\.5s\] provisioning · steps 1\/5 · replicas 0 · nodes 2$/);
  assert.equal(plain[2], '  cluster     creating');
  assert.ok(
    plain.every((l) => !l.includes('\x1b')),
    'no escape codes without colour',
  );
  const coloured = progressLines(status, 1500, { tty: true, color: true });
  assert.match(coloured[1]!, /\x1b\[32mpushed\x1b\[0m/);
});

const t = (s: number) => ({ seconds: s, nanos: 0 });

void test('history: one record per activity with start, duration, attempts and the last error', () => {
  const steps = stepsOf([
    { eventId: 5, eventTime: t(100), activityTaskScheduledEventAttributes: { activityType: { name: 'pushImage' } } },
    { eventId: 6, eventTime: t(100), activityTaskStartedEventAttributes: { scheduledEventId: 5, attempt: 1 } },
    { eventId: 7, eventTime: t(103), activityTaskCompletedEventAttributes: { scheduledEventId: 5 } },
    {
      eventId: 8,
      eventTime: t(104),
      activityTaskScheduledEventAttributes: { activityType: { name: 'ensureCluster' } },
    },
    {
      eventId: 9,
      eventTime: t(110),
      activityTaskStartedEventAttributes: { scheduledEventId: 8, attempt: 3, lastFailure: { message: 'quota' } },
    },
    {
      eventId: 10,
      eventTime: t(111),
      activityTaskFailedEventAttributes: { scheduledEventId: 8, failure: { message: 'quota exceeded' } },
    },
    {
      eventId: 11,
      eventTime: t(112),
      activityTaskScheduledEventAttributes: { activityType: { name: 'applyService' } },
    },
  ] as never);
  assert.deepEqual(steps, [
    { step: 'pushImage', started: new Date(100_000).toISOString(), attempts: 1, state: 'done', durationMs: 3000 },
    {
      step: 'ensureCluster',
      started: new Date(104_000).toISOString(),
      attempts: 3,
      state: 'failed',
      durationMs: 7000,
      lastError: 'quota exceeded',
    },
    { step: 'applyService', started: new Date(112_000).toISOString(), attempts: 0, state: 'running' },
  ]);
});
