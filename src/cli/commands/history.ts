/**
 * `gkeflow history ENV`: each step of the environment's current run as its workflow history
 * records it — when it started, how long it took, how many attempts, the last error.
 */
import type { temporal } from '@temporalio/proto';
import { connectClient, temporalConfig } from '../../temporal/connection';
import { resolveEnvId } from '../../temporal/environments';
import type { CommandInput } from '../command';

/** One activity of the history. */
export interface StepRecord {
  step: string;
  started: string;
  durationMs?: number;
  attempts: number;
  state: 'running' | 'done' | 'failed' | 'timed out' | 'cancelled';
  lastError?: string;
}

type Event = temporal.api.history.v1.IHistoryEvent;

const ms = (t: Event['eventTime']) => (t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : 0);
const id = (v: unknown) => String(v ?? '');

/** Folds a workflow history into one record per activity, in the order they were scheduled. */
export function stepsOf(events: Event[]): StepRecord[] {
  const steps = new Map<string, StepRecord & { t0: number }>();
  for (const e of events) {
    const sched = e.activityTaskScheduledEventAttributes;
    if (sched) {
      const t0 = ms(e.eventTime);
      steps.set(id(e.eventId), {
        step: sched.activityType?.name ?? '?',
        started: new Date(t0).toISOString(),
        attempts: 0,
        state: 'running',
        t0,
      });
      continue;
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const s = steps.get(id(started.scheduledEventId));
      if (s) {
        s.attempts = started.attempt ?? 1;
        if (started.lastFailure?.message) s.lastError = started.lastFailure.message;
      }
      continue;
    }
    const end =
      (e.activityTaskCompletedEventAttributes && { a: e.activityTaskCompletedEventAttributes, st: 'done' as const }) ||
      (e.activityTaskFailedEventAttributes && { a: e.activityTaskFailedEventAttributes, st: 'failed' as const }) ||
      (e.activityTaskTimedOutEventAttributes && {
        a: e.activityTaskTimedOutEventAttributes,
        st: 'timed out' as const,
      }) ||
      (e.activityTaskCanceledEventAttributes && { a: e.activityTaskCanceledEventAttributes, st: 'cancelled' as const });
    if (end) {
      const s = steps.get(id(end.a.scheduledEventId));
      if (!s) continue;
      s.state = end.st;
      s.durationMs = ms(e.eventTime) - s.t0;
      const failure = 'failure' in end.a ? end.a.failure : undefined;
      if (failure?.message) s.lastError = failure.message;
    }
  }
  return [...steps.values()].map(({ t0: _t0, ...s }) => s);
}

const fmtDuration = (d?: number) =>
  d === undefined
    ? '-'
    : d < 60_000
      ? `${(d / 1000).toFixed(1)}s`
      : `${Math.floor(d / 60_000)}m${String(Math.round((d % 60_000) / 1000)).padStart(2, '0')}s`;

/** `gkeflow history ENV [--json]`. */
export async function historyCommand({ flags, args, out }: CommandInput): Promise<void> {
  const { client, close } = await connectClient(temporalConfig());
  try {
    const envId = await resolveEnvId(client, args[0]!);
    const history = await client.workflow.getHandle(envId).fetchHistory();
    const steps = stepsOf(history.events ?? []);
    if (flags.json) return out(JSON.stringify({ envId, steps }, null, 2));
    out(`${envId}: ${steps.length} steps in the current run`);
    const w = Math.max(4, ...steps.map((s) => s.step.length)) + 2;
    out(
      `${'STEP'.padEnd(w)}${'STARTED'.padEnd(26)}${'DURATION'.padEnd(10)}${'ATTEMPTS'.padEnd(10)}${'STATE'.padEnd(11)}LAST ERROR`,
    );
    for (const s of steps)
      out(
        `${s.step.padEnd(w)}${s.started.padEnd(26)}${fmtDuration(s.durationMs).padEnd(10)}${String(s.attempts).padEnd(10)}${s.state.padEnd(11)}${s.lastError ?? '-'}`,
      );
  } finally {
    await close();
  }
}
