// The reaper at fleet scale (issue 23, docs/reaper.md): N expired clusters (default 10,000) spread
// over P projects (default 10) in the GKE emulator without control planes, reaped by one
// reaperWorkflow (each cluster a teardownWorkflow child, --parallelism at once; continue-as-new
// when its history grows) on a real Temporal dev server. Reports, each beside its anchor:
// - wall time from start to report (goal ≤ 10 min for 10,000);
// - the largest payload in every run's history (activity/child inputs and results, the
//   continue-as-new input), measured from the histories as the server measures it, against
//   Temporal's blob size limit (2 MiB, `limit.blobSize.error`; warning at 512 KiB);
// - history length per run (events) and the number of runs, against the server's history count
//   warning (10,240 events) and the reaper's own continue-as-new threshold;
// - seeding time (creating the clusters in the emulator), separately: it is not the reaper's.
// --delete-ms sets the emulator's DeleteCluster duration (default 0: the figure is gkeflow's and
// Temporal's own overhead). --history-limit N makes the reaper continue as new past N events.
// --workers N adds N-1 worker processes (bench/reaper-worker.ts) on the same task queue, as a
// deployment with N workers has (default 1: the bench's own process only).
// Usage: npx tsx bench/reaper.ts [--clusters 10000] [--projects 10] [--parallelism 10] [--delete-ms 0]
//        [--history-limit N] [--seed-concurrency 50] [--workers 1]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startEphemeralTemporal } from '../src/stack/temporal-server';
import { ensureToolchain } from '../src/toolchain/toolchain';
import type { ReaperInput, ReapReport } from '../src/workflows/reaper';
import { DEFAULT_REAPER_HISTORY_LIMIT } from '../src/workflows/reaper';
import { countOf } from '../src/workflows/reaper/plan';
import { arg, commandOf, row } from './report';
import { temporal as proto } from '@temporalio/proto';
import { startWorkerProcess } from './worker-process';
import {
  BLOB_SIZE_LIMIT_ERROR,
  BLOB_SIZE_LIMIT_WARN,
  bytesStr,
  historyPayloads,
  largest,
  type PayloadSize,
} from '../test/helpers/history-payloads';

/** Wall-time goal for 10,000 clusters (issue 23), scaled linearly for other sizes. */
const GOAL_S_PER_10K = 600;
/** Temporal's history event count warning (limit.historyCount.warn; the error is at 51,200). */
const HISTORY_COUNT_WARN = 10 * 1024;

async function run(): Promise<void> {
  const clusters = arg('clusters', 10_000);
  const projects = arg('projects', 10);
  const parallelism = arg('parallelism', 10);
  const deleteMs = arg('delete-ms', 0);
  const historyLimit = arg('history-limit', 0);
  const seedConcurrency = arg('seed-concurrency', 50);
  const workers = arg('workers', 1);
  const perProject = Math.ceil(clusters / projects);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-reaper-bench-'));
  const tc = await ensureToolchain({ only: ['temporal'] });
  const temporal = await startEphemeralTemporal(tc.temporal, tmp);
  // The test helpers read the server's address from here.
  process.env.GKEFLOW_TEST_TEMPORAL_ADDRESS = temporal.address;
  process.env.GKEFLOW_TEST_TMP = tmp;
  const { REAPER_TUNING, TEST_OWNER, startReaperCloud, withReaperWorker } = await import('../test/helpers/reaper');
  const { workflowBundle } = await import('../test/helpers/workflows');
  const { uniqueTaskQueue } = await import('../test/helpers/temporal');
  // Each cluster is one e2-small node (2 vCPUs, 100 GB boot disk): the project quotas hold them all.
  const cloud = await startReaperCloud({
    delays: { deleteCluster: deleteMs },
    quotas: {
      clustersPerProject: perProject + 10,
      nodesPerProject: perProject * 2 + 10,
      cpusPerRegion: perProject * 4 + 100,
      ssdGbPerRegion: perProject * 200 + 1000,
    },
  });
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const names = Array.from({ length: projects }, (_, p) => `bench-reaper-${p}`);
    const cases = Array.from({ length: clusters }, (_, i) => ({
      project: names[i % projects]!,
      name: `expired-${i}`,
      expiresInMs: -3_600_000,
    }));
    const seed0 = Date.now();
    await cloud.createMany(cases, seedConcurrency);
    const seedS = (Date.now() - seed0) / 1000;
    console.log(`seeded ${clusters} clusters in ${projects} project(s): ${seedS.toFixed(1)} s`);

    const client = new Client({ connection });
    const tuning = { ...REAPER_TUNING, ...(historyLimit ? { historyEventLimit: historyLimit } : {}) };
    const workflowId = `bench-reaper-${Date.now()}`;
    const taskQueue = uniqueTaskQueue('bench-reaper');
    const extra = Array.from({ length: Math.max(0, workers - 1) }, () =>
      startWorkerProcess(path.join(__dirname, 'reaper-worker.ts'), [
        temporal.address,
        taskQueue,
        cloud.config.emulatorAddress,
        cloud.config.registryAddress,
      ]),
    );
    await Promise.all(extra.map((w) => w.line('READY')));
    const stopExtra = () =>
      Promise.all(
        extra.map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.child.exitCode !== null) return resolve();
              w.child.once('exit', () => resolve());
              w.child.stdin.end();
            }),
        ),
      );
    const { report, error, ms, first } = await withReaperWorker(
      await workflowBundle(),
      cloud.activities,
      async ({ taskQueue }) => {
        const t0 = Date.now();
        const h = await client.workflow.start<(i: ReaperInput) => Promise<ReapReport>>('reaperWorkflow', {
          workflowId,
          taskQueue,
          args: [{ projects: names, parallelism, tuning, owner: TEST_OWNER }],
        });
        const out = await h.result().then(
          (r) => ({ report: r, error: undefined }),
          (e: unknown) => ({
            report: undefined,
            error:
              e instanceof Error ? `${e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ''}` : String(e),
          }),
        );
        return { ...out, ms: Date.now() - t0, first: h.firstExecutionRunId };
      },
      taskQueue,
    ).finally(stopExtra);

    // Every run of the chain (the visibility list may lag the last ones): its events and payloads.
    const runs: Array<{ events: number; payloads: PayloadSize[] }> = [];
    const histories: History[] = [];
    let runId: string | undefined = first;
    while (runId) {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      histories.push(history);
      runs.push(historyPayloads(history));
      runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    const all = runs.flatMap((r) => r.payloads);
    const where = phases(histories);
    console.log(`where the time goes: ${where}`);
    const big = largest(all);
    const byKind = new Map<string, number>();
    for (const p of all) byKind.set(p.what, Math.max(byKind.get(p.what) ?? 0, p.bytes));
    const events = runs.map((r) => r.events);
    const maxEvents = Math.max(...events);
    const left = (await Promise.all(names.map((p) => cloud.names(p)))).flat().length;
    const s = ms / 1000;
    const goalS = GOAL_S_PER_10K * (clusters / 10_000);
    const deleted = report ? countOf(report, 'deleted') : 0;
    const failed = report ? countOf(report, 'failed') : 0;
    console.log(
      `reap ${clusters} expired clusters in ${projects} project(s) (parallelism ${parallelism}, DeleteCluster ${deleteMs} ms): ` +
        `${s.toFixed(1)} s (goal ≤ ${goalS.toFixed(0)} s); ${error ? `FAILED: ${error}; ` : ''}` +
        `deleted ${deleted}, failed ${failed}, left ${left}; ${runs.length} run(s), events per run ${events.join(' ')}`,
    );
    console.log(
      `largest payloads by kind: ${[...byKind.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([k, b]) => `${k} ${bytesStr(b)}`)
        .join('; ')}`,
    );
    const what = `${clusters} expired clusters in ${projects} projects${workers > 1 ? `, ${workers} worker processes` : ''}`;
    const outcome = `${error ? `the reap FAILED (${error}); ` : ''}deleted ${deleted}, failed ${failed}, left ${left}`;
    row({
      area: 'Reaper',
      figure: `${what}: wall time of one reap (parallelism ${parallelism}, DeleteCluster ${deleteMs} ms)`,
      value: `${s.toFixed(1)} s`,
      anchor: `${goalS.toFixed(0)} s (goal: 10 min for 10,000, scaled to ${clusters})`,
      ratio: `${(s / goalS).toFixed(2)}×`,
      goal: '≤ 10 min for 10,000',
      met: clusters >= 10_000 ? !error && s <= goalS : undefined,
      note:
        `${outcome}; each cluster is a teardownWorkflow child on a real Temporal dev server; the emulator runs ` +
        `without control planes (GKE calls only); seeding the clusters is not counted (${seedS.toFixed(0)} s, its own row); ` +
        `where the time goes (from the reaper's histories): ${where}`,
      command: commandOf('reaper.ts'),
    });
    row({
      area: 'Reaper',
      figure: `${what}: the reaper's largest payload (every run's activity and child inputs/results, continue-as-new input)`,
      value: big ? `${bytesStr(big.bytes)} (${big.what})` : 'none',
      anchor: `${bytesStr(BLOB_SIZE_LIMIT_ERROR)} (Temporal's per-payload limit, limit.blobSize.error = 2,097,152 bytes)`,
      ratio: big ? `${((big.bytes / BLOB_SIZE_LIMIT_ERROR) * 100).toFixed(1)} %` : undefined,
      goal: `≤ ${bytesStr(BLOB_SIZE_LIMIT_WARN)} (the server's warning level, a quarter of the limit)`,
      met: big ? big.bytes <= BLOB_SIZE_LIMIT_WARN && !error : undefined,
      note:
        "protobuf size of each event's Payloads, as the server checks it; the next largest kinds: " +
        [...byKind.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(1, 4)
          .map(([k, b]) => `${k} ${bytesStr(b)}`)
          .join(', '),
      command: commandOf('reaper.ts'),
    });
    row({
      area: 'Reaper',
      figure: `${what}: history length per run (events), runs via continue-as-new`,
      value: `max ${maxEvents} events per run, ${runs.length} run(s)`,
      anchor: `${HISTORY_COUNT_WARN} events (Temporal's history count warning, limit.historyCount.warn; error at 51,200)`,
      ratio: `${(maxEvents / HISTORY_COUNT_WARN).toFixed(2)}×`,
      goal: `≤ ${HISTORY_COUNT_WARN} events per run`,
      met: !error && maxEvents <= HISTORY_COUNT_WARN,
      note:
        `events per run: ${events.join(', ')}; the reaper continues as new past ${historyLimit || DEFAULT_REAPER_HISTORY_LIMIT} ` +
        'events (tuning.historyEventLimit) or when the server suggests it; a run finishes the teardowns it started first',
      command: commandOf('reaper.ts'),
    });
    row({
      area: 'Reaper',
      figure: `seeding ${clusters} clusters in ${projects} projects into the emulator (set-up, not the reaper's figure)`,
      value: `${seedS.toFixed(1)} s`,
      note: `CreateCluster calls, ${seedConcurrency} in flight, then one ListClusters per project until all are RUNNING`,
      command: commandOf('reaper.ts'),
    });
    if (error || deleted !== clusters || left !== 0) process.exitCode = 1;
  } finally {
    await connection.close();
    await cloud.stop();
    await temporal.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

type History = proto.api.history.v1.IHistory;
const EventType = proto.api.enums.v1.EventType;

/**
 * Where a reap's wall time goes, from its runs' histories: the planning (run start to the first
 * teardown child), each activity type's count, summed and longest schedule-to-close time and
 * failures (timeouts included), and the workflow tasks' count and summed start-to-complete time.
 */
function phases(histories: History[]): string {
  const ms = (t: unknown) => {
    const ts = t as { seconds?: { toNumber?: () => number } | number; nanos?: number } | null | undefined;
    const sec = typeof ts?.seconds === 'number' ? ts.seconds : (ts?.seconds?.toNumber?.() ?? 0);
    return sec * 1000 + (ts?.nanos ?? 0) / 1e6;
  };
  const acts = new Map<string, { n: number; sum: number; max: number; failed: number }>();
  let wfTasks = 0;
  let wfTaskMs = 0;
  let planMs: number | undefined;
  for (const h of histories) {
    const events = h.events ?? [];
    const at = new Map<number, { t: number; name?: string }>();
    const t0 = ms(events[0]?.eventTime);
    for (const e of events) {
      const id = Number(e.eventId);
      const t = ms(e.eventTime);
      switch (e.eventType) {
        case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
          at.set(id, { t, name: e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?' });
          break;
        case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
          at.set(id, { t });
          break;
        case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: {
          const s = at.get(Number(e.workflowTaskCompletedEventAttributes?.startedEventId));
          wfTasks++;
          if (s) wfTaskMs += t - s.t;
          break;
        }
        case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
          planMs ??= t - t0;
          break;
        case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
        case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: {
          const a =
            e.activityTaskCompletedEventAttributes ??
            e.activityTaskFailedEventAttributes ??
            e.activityTaskTimedOutEventAttributes;
          const s = at.get(Number(a?.scheduledEventId));
          const name = s?.name ?? '?';
          const r = acts.get(name) ?? { n: 0, sum: 0, max: 0, failed: 0 };
          const d = s ? t - s.t : 0;
          r.n++;
          r.sum += d;
          r.max = Math.max(r.max, d);
          if (e.eventType !== EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) r.failed++;
          acts.set(name, r);
          break;
        }
      }
    }
  }
  const s = (x: number) => `${(x / 1000).toFixed(1)} s`;
  return [
    `planning (start to first teardown) ${planMs === undefined ? 'n/a' : s(planMs)}`,
    ...[...acts.entries()].map(
      ([k, r]) => `${k} ×${r.n} sum ${s(r.sum)} max ${s(r.max)}${r.failed ? ` (${r.failed} failed/timed out)` : ''}`,
    ),
    `workflow tasks ×${wfTasks} sum ${s(wfTaskMs)}`,
  ].join('; ');
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
