// kill -9 of workers: at every step boundary, in the middle of each long step, and one of two
// workers on one task queue. The run completes with one of each resource.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChaosStack } from '../helpers/chaos-stack';
import {
  chaosCase,
  completedSteps,
  EMULATOR_ENV,
  finishAndCheck,
  LONG_STEPS,
  FULL_ONLY,
  QUICK_ONLY,
  startRun,
  STEPS,
  waitForRunning,
  waitForSteps,
} from './scenario';
import { secretScanTests } from './secret-scan';

let stack: ChaosStack;
before(async () => {
  stack = await ChaosStack.start({ emulatorEnv: EMULATOR_ENV });
});
after(async () => {
  await stack?.stop();
});

const chaos = (name: string, body: () => Promise<string>) => chaosCase(stack, 'worker-kill', name, body);

const boundaries = STEPS.slice(0, -1).map((_, i) => i + 1);
void test(
  `kill -9 of the worker after steps ${boundaries.join(', ')}: the run completes, one of each resource`,
  FULL_ONLY,
  async () => {
    await chaos(`kill -9 at every step boundary (after steps ${boundaries.join(',')})`, async () => {
      let worker = stack.workers[0] ?? (await stack.startWorker());
      const cluster = 'kill-boundary';
      const handle = await startRun(stack, cluster);
      for (const n of boundaries) {
        const done = await waitForSteps(handle, n);
        assert.equal(done.length >= n, true);
        await stack.killWorker(worker);
        worker = await stack.startWorker();
      }
      return finishAndCheck(stack, handle, cluster);
    });
  },
);

const midSteps: readonly string[] = LONG_STEPS;
void test(`kill -9 of the worker in the middle of ${midSteps.join(', ')}: the run completes`, FULL_ONLY, async () => {
  await chaos(`kill -9 mid-step: ${midSteps.join(', ')}`, async () => {
    let worker = stack.workers[0] ?? (await stack.startWorker());
    const cluster = 'kill-mid';
    const handle = await startRun(stack, cluster);
    const caught: string[] = [];
    for (const step of midSteps) {
      // A step too quick to catch running is passed over (and named in the report).
      const done = (await completedSteps(handle)).filter((s) => s === step).length;
      if (!(await waitForRunning(handle, step, 180_000, done))) continue;
      await new Promise((r) => setTimeout(r, 300));
      await stack.killWorker(worker);
      worker = await stack.startWorker();
      caught.push(step);
    }
    const missed = midSteps.filter((s) => !caught.includes(s));
    const note = missed.length ? `; too quick to catch: ${missed.join(', ')}` : '';
    return `${await finishAndCheck(stack, handle, cluster)} (killed mid ${caught.join(', ')}${note})`;
  });
});

void test(
  'two workers on one task queue, the one running the cluster create killed: the other finishes',
  FULL_ONLY,
  async () => {
    await chaos('two workers, one killed mid-run', async () => {
      await stack.stopWorkers();
      const a = await stack.startWorker();
      const b = await stack.startWorker();
      const cluster = 'two-workers';
      const handle = await startRun(stack, cluster);
      const identity = await waitForRunning(handle, 'ensureCluster');
      const victim = identity.startsWith(`${a.pid}@`) ? a : b;
      await new Promise((r) => setTimeout(r, 300));
      await stack.killWorker(victim);
      assert.equal(stack.workers.length, 1, 'one worker left, none restarted');
      return finishAndCheck(stack, handle, cluster);
    });
  },
);

void test(
  'two workers, the one creating the cluster killed (the other carries on), then the survivor killed after step 5 and a new one started: the run completes',
  QUICK_ONLY,
  async () => {
    await chaos('quick: two workers, one killed mid ensureCluster; the survivor killed after step 5', async () => {
      await stack.stopWorkers();
      const a = await stack.startWorker();
      const b = await stack.startWorker();
      const cluster = 'kill-quick';
      const handle = await startRun(stack, cluster);
      const identity = await waitForRunning(handle, 'ensureCluster');
      const [victim, survivor] = identity.startsWith(`${a.pid}@`) ? [a, b] : [b, a];
      await new Promise((r) => setTimeout(r, 300));
      await stack.killWorker(victim);
      await waitForSteps(handle, 5);
      await stack.killWorker(survivor);
      await stack.startWorker();
      return finishAndCheck(stack, handle, cluster);
    });
  },
);

secretScanTests(() => stack);
