// What one step costs Temporal, as an activity vs as a local activity: `n` no-op steps in one
// workflow (bench/workflows/step-cost.ts), each kind run `runs` times interleaved after a warm-up,
// on the same dev server; per step = (workflow start → completed) ÷ n. Also whether each kind's
// summary reaches the history (where the Web UI reads it) and how many events a step writes.
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { uniqueTaskQueue } from '../src/stack/local-temporal';
import { eventMs } from './history';
import { median } from './report';
import type { stepCostWorkflow } from './workflows/step-cost';

const EventType = temporal.api.enums.v1.EventType;

export interface StepCost {
  /** Median ms per step, and the fastest and slowest run's. */
  ms: number;
  min: number;
  max: number;
  /** History events per step. */
  events: number;
  /** The step's summary as the history carries it (undefined: not there). */
  summary?: string;
}

export async function measureStepCost(
  address: string,
  n = 20,
  runs = 5,
): Promise<Record<'activity' | 'local', StepCost>> {
  const taskQueue = uniqueTaskQueue('step-cost');
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: require.resolve('./workflows/step-cost'),
    activities: { noop: (i: number) => Promise.resolve(i) },
  });
  const client = new Client({ connection: await Connection.connect({ address }) });
  const once = async (asLocal: boolean) => {
    const h = await client.workflow.start<typeof stepCostWorkflow>('stepCostWorkflow', {
      taskQueue,
      workflowId: `${taskQueue}-${asLocal ? 'local' : 'activity'}-${Date.now().toString(36)}`,
      args: [n, asLocal],
    });
    await h.result();
    const events = (await h.fetchHistory()).events ?? [];
    const step = events.find((e) =>
      [EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, EventType.EVENT_TYPE_MARKER_RECORDED].includes(e.eventType!),
    );
    const s = step?.userMetadata?.summary;
    const ms = (eventMs(events.at(-1)?.eventTime) - eventMs(events[0]?.eventTime)) / n;
    return {
      ms,
      min: ms,
      max: ms,
      events: events.length / n,
      summary: s ? defaultPayloadConverter.fromPayload<string>(s as never) : undefined,
    };
  };
  try {
    return await worker.runUntil(async () => {
      await once(false);
      await once(true);
      const got: Record<'activity' | 'local', StepCost[]> = { activity: [], local: [] };
      for (let r = 0; r < runs; r++)
        for (const asLocal of r % 2 ? [true, false] : [false, true])
          got[asLocal ? 'local' : 'activity'].push(await once(asLocal));
      const sum = (xs: StepCost[]): StepCost => ({
        ms: median(xs.map((x) => x.ms)),
        min: Math.min(...xs.map((x) => x.ms)),
        max: Math.max(...xs.map((x) => x.ms)),
        events: xs[0]!.events,
        ...(xs[0]!.summary !== undefined ? { summary: xs[0]!.summary } : {}),
      });
      return { activity: sum(got.activity), local: sum(got.local) };
    });
  } finally {
    await client.connection.close();
    await connection.close();
  }
}
