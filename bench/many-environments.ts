// Many environments on one worker: N (default 200) environment workflows started at once, the
// whole walkthrough each (push, cluster, deployment, service, IP, probe, scale 3 → 5, resize),
// with simulated activities that answer at once, so the figures are the worker's and Temporal's
// own: activity and workflow-task schedule-to-start p50/p95 (read from every history), the
// total time, and the worker process's peak RSS.
// The worker runs exactly `gkeflow worker`'s options (GKEFLOW_* slots, pollers, cache: set them
// to try others) and prints them, with its memory parts at the peak; --heap-snapshots DIR also
// writes V8 heap snapshots of its main and workflow threads once all are through (slow: minutes).
// Usage: npx tsx bench/many-environments.ts [--envs 200] [--heap-snapshots DIR]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { workerSettings } from '../src/config/worker-settings';
import { describeTuning, productionOptions } from '../src/worker-options';
import { describeHeap, type HeapSummary } from './heap-summary';
import { historyTimings } from './history';
import { arg, commandOf, msStr, percentile, row, sec } from './report';
import {
  captureWorkerThreads,
  describeSample,
  heapSnapshots,
  memoryPeak,
  memorySample,
  startWorkerProcess,
  type MemorySample,
} from './worker-process';

const GOALS = { p95Ms: 50, rssMb: 400 };

/**
 * The worker, in a child process of its own (so its RSS is the worker's alone): stubbed
 * activities, the prebuilt workflow bundle at codePath, and exactly the options `gkeflow worker`
 * runs with (productionOptions of the same GKEFLOW_* settings). Prints `THROUGH` once every
 * environment reached its last step, then `PEAK {memory at the peak}` when told to stop (stdin
 * closes). With GKEFLOW_BENCH_HEAP_DIR set it writes heap snapshots of its threads at THROUGH.
 */
async function worker(address: string, taskQueue: string, codePath: string, envs: number): Promise<void> {
  const heapDir = process.env.GKEFLOW_BENCH_HEAP_DIR;
  if (heapDir) captureWorkerThreads();
  const { stubActivities } = await import('../test/helpers/workflows');
  const stub = stubActivities();
  let resized = 0;
  let through: () => void = () => undefined;
  const allThrough = new Promise<void>((r) => (through = r));
  const realResize = stub.activities.resizeNodePool;
  stub.activities.resizeNodePool = async (input) => {
    const r = await realResize(input);
    if (++resized === envs) through();
    return r;
  };
  const settings = workerSettings();
  const native = await NativeConnection.connect({ address });
  const w = await Worker.create({
    connection: native,
    taskQueue,
    workflowBundle: { codePath },
    activities: stub.activities,
    ...productionOptions(settings),
    shutdownGraceTime: 0,
  });
  const mem = memoryPeak(100);
  console.log(`SETTINGS ${describeTuning(settings.tuning)}`);
  console.log(`READY ${JSON.stringify(memorySample())}`);
  process.stdin.resume();
  void allThrough.then(async () => {
    const atThrough = memorySample();
    const heaps = heapDir ? await heapSnapshots(heapDir, `burst-${envs}`) : [];
    console.log(`THROUGH ${JSON.stringify({ atThrough, heaps })}`);
  });
  await w.runUntil(new Promise<void>((r) => process.stdin.on('end', r)));
  console.log(`PEAK ${JSON.stringify(mem.stop())}`);
  await native.close();
}

async function run(): Promise<void> {
  const envs = arg('envs', 200);
  const { testInput, startEnv, workflowBundle } = await import('../test/helpers/workflows');
  const { localTemporalAddress, uniqueTaskQueue } = await import('../src/stack/local-temporal');
  const address = await localTemporalAddress();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-many-'));
  const codePath = path.join(dir, 'workflows.js');
  fs.writeFileSync(codePath, (await workflowBundle()).code);
  const taskQueue = uniqueTaskQueue('bench-many');
  const heapAt = process.argv.indexOf('--heap-snapshots');
  const heapDir = heapAt > 0 ? path.resolve(process.argv[heapAt + 1]!) : undefined;
  const { child, line } = startWorkerProcess(
    __filename,
    ['--worker', address, taskQueue, codePath, String(envs)],
    heapDir ? { ...process.env, GKEFLOW_BENCH_HEAP_DIR: heapDir } : process.env,
  );
  const settings = await line('SETTINGS');
  const ready = JSON.parse(await line('READY')) as MemorySample;
  const baseRssMb = ready.rss / 1e6;
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const t0 = Date.now();
  const handles: WorkflowHandle[] = await Promise.all(
    Array.from({ length: envs }, () => startEnv(client, taskQueue, testInput())),
  );
  const through = JSON.parse(await line('THROUGH')) as {
    atThrough: MemorySample;
    heaps: Array<{ thread: string } & HeapSummary>;
  };
  const totalMs = Date.now() - t0;
  child.stdin.end();
  const peak = JSON.parse(await line('PEAK')) as MemorySample;
  const peakRssMb = peak.rss / 1e6;
  const activityS2s: number[] = [];
  const wfS2s: number[] = [];
  for (let i = 0; i < handles.length; i += 20)
    for (const h of await Promise.all(handles.slice(i, i + 20).map((h) => h.fetchHistory()))) {
      const t = historyTimings(h);
      for (const a of t.activities) if (a.scheduleToStartMs !== undefined) activityS2s.push(a.scheduleToStartMs);
      wfS2s.push(...t.workflowTaskScheduleToStartMs);
    }
  for (let i = 0; i < handles.length; i += 20)
    await Promise.all(handles.slice(i, i + 20).map((h) => h.terminate('bench done').catch(() => undefined)));
  await connection.close();
  fs.rmSync(dir, { recursive: true, force: true });

  const p50 = percentile(activityS2s, 50);
  const p95 = percentile(activityS2s, 95);
  const wp50 = percentile(wfS2s, 50);
  const wp95 = percentile(wfS2s, 95);
  console.log(
    `${envs} environments on one worker: through in ${sec(totalMs)}; activity schedule-to-start p50 ${msStr(p50)} p95 ${msStr(p95)} ` +
      `(${activityS2s.length} tasks); workflow task p50 ${msStr(wp50)} p95 ${msStr(wp95)} (${wfS2s.length}); ` +
      `worker peak RSS ${peakRssMb.toFixed(0)} MB (${baseRssMb.toFixed(0)} MB before)`,
  );
  console.log(`worker settings: ${settings}`);
  console.log(`at the peak: ${describeSample(peak)}`);
  console.log(`when the last environment was through: ${describeSample(through.atThrough)}`);
  for (const h of through.heaps) console.log(`heap snapshot, ${h.thread}: ${describeHeap(h)}`);
  const command = commandOf('many-environments.ts');
  const area = 'Many environments';
  const why =
    `the worker ran with ${settings} on a 2-core machine shared with the Temporal dev server and the client: the ` +
    'scheduled → started gap is the server matching each task to a waiting poll (its transfer queue and SQLite) while all ' +
    'three compete for the cores. Not yet measured: how much each setting moves it (the GKEFLOW_* slot and poller variables, ' +
    'docs/production.md "Sizing a worker"; run this bench with them set). What would close it: the server on cores of its ' +
    'own, or eager activity dispatch (system.enableActivityEagerExecution on the server; the worker asks for it by default)';
  row({
    area,
    figure: `${envs} concurrent environments, simulated activities: activity schedule-to-start p50 / p95`,
    value: `${msStr(p50)} / ${msStr(p95)} (${activityS2s.length} activity tasks)`,
    anchor: 'a plain script has no queue (0 ms), but no durability',
    goal: `p95 ≤ ${GOALS.p95Ms} ms`,
    met: p95 <= GOALS.p95Ms,
    note:
      'from ActivityTaskScheduled → ActivityTaskStarted in each history. The local server dispatches activities eagerly ' +
      '(system.enableActivityEagerExecution, on in Temporal Cloud; src/stack/temporal-server.ts): the worker that completes a ' +
      'workflow task gets the activities it scheduled back in the reply when it has free slots, so most never wait in a queue; ' +
      'the wait of a burst is in the workflow tasks (next row). ' +
      (p95 <= GOALS.p95Ms ? '' : why),
    command,
  });
  row({
    area,
    figure: `${envs} concurrent environments: workflow-task schedule-to-start p50 / p95`,
    value: `${msStr(wp50)} / ${msStr(wp95)} (${wfS2s.length} workflow tasks)`,
    note:
      'WorkflowTaskScheduled → WorkflowTaskStarted in each history; no goal in issues 12 and 23, reported beside the activity figure: ' +
      'a burst queues here (workflow-task slots and 2 cores); GKEFLOW_WORKFLOW_TASK_SLOTS / _POLLERS and a second worker process are the levers (docs/production.md)',
    command,
  });
  row({
    area,
    figure: `${envs} concurrent environments: from the first start to the last environment's final step`,
    value: sec(totalMs),
    anchor: `${(totalMs / envs).toFixed(0)} ms per environment`,
    note: `each environment is the whole walkthrough (${activityS2s.length} activity tasks in all) on one Temporal dev server and one worker`,
    command,
  });
  row({
    area,
    figure: `${envs} concurrent environments: worker peak RSS`,
    value: `${peakRssMb.toFixed(0)} MB (${baseRssMb.toFixed(0)} MB before the burst)`,
    anchor: `${GOALS.rssMb} MB`,
    ratio: `${(peakRssMb / GOALS.rssMb).toFixed(2)}×`,
    goal: `≤ ${GOALS.rssMb} MB`,
    met: peakRssMb <= GOALS.rssMb,
    note:
      `The worker alone, in its own process, with the workflow bundle prebuilt and ${settings}; at the peak: ` +
      `${describeSample(peak)}. ` +
      (peakRssMb <= GOALS.rssMb
        ? ''
        : 'What holds it: the garbage a burst leaves in the V8 heaps of the main and workflow threads before V8 collects ' +
          'it (live JS is far less: at 300 idle environments, cache 100, 44 MB main + 71 MB workflow thread; `--heap-snapshots ' +
          'DIR` shows it), plus glibc malloc arenas of the Rust core and Node and ~65 MB of mapped code. The worker runs with ' +
          "the image's WORKER_PROCESS_ENV (MALLOC_ARENA_MAX=2, --max-semi-space-size=2: an idle worker gives pages back, " +
          'bench/idle-environments.ts), from TypeScript through tsx (~35-45 MB an installed worker does not carry) and with ' +
          'simulated activities (a real worker also holds the Kubernetes and Google clients once it has run their steps, ' +
          '~65 + ~60 MB in a plain node). What would close it: a peak is garbage, so a capped workflow-thread heap ' +
          '(--max-old-space-size for that thread; not yet measured) or fewer workflow-task slots (GKEFLOW_WORKFLOW_TASK_SLOTS) ' +
          'and a GKEFLOW_MAX_CACHED_WORKFLOWS at least as large as the burst: a smaller cache evicts environments ' +
          'mid-burst and their replays make more garbage (2026-12-08: cache 100 502 MB, 63 s through; cache 200 411 MB, ' +
          '20 s; docs/production.md, "Sizing a worker")'),
    command,
  });
}

const main =
  process.argv[2] === '--worker'
    ? worker(process.argv[3]!, process.argv[4]!, process.argv[5]!, Number(process.argv[6]))
    : run();
main.then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
