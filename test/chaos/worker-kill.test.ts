// kill -9 of workers: at every step boundary, in the middle of each long step, and one of two
// workers on one task queue. The run completes with one of each resource.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChaosStack } from '../helpers/chaos-stack';
import {
  chaosCase,
  EMULATOR_ENV,
  finishAndCheck,
  LONG_STEPS,
  QUICK,
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

const boundaries = QUICK ? [2, 5] : STEPS.slice(0, -1).map((_, i) => i + 1);
void test(`kill -9 of the worker after steps ${boundaries.join(', ')}: the run completes, one of each resource`, async () => {
  await chaos(`kill -9 at step boundaries ${boundaries.join(',')}`, async () => {
    let worker = await stack.startWorker();
    const cluster = QUICK ? 'kill-boundary-q' : 'kill-boundary';
    const handle = await startRun(stack, cluster);
    for (const n of boundaries) {
      const done = await waitForSteps(handle, n);
      assert.equal(done.length >= n, true);
      await stack.killWorker(worker);
      worker = await stack.startWorker();
    }
    return finishAndCheck(stack, handle, cluster);
  });
});

// The quick set kills mid-step in the two-worker case (mid ensureCluster) only.
const midSteps: readonly string[] = LONG_STEPS;
void test(
  `kill -9 of the worker in the middle of ${midSteps.join(', ')}: the run completes`,
  { skip: QUICK && 'full set only' },
  async () => {
    await chaos(`kill -9 mid-step: ${midSteps.join(', ')}`, async () => {
      let worker = stack.workers[0] ?? (await stack.startWorker());
      const cluster = 'kill-mid';
      const handle = await startRun(stack, cluster);
      for (const step of midSteps) {
        await waitForRunning(handle, step);
        await new Promise((r) => setTimeout(r, 300));
        await stack.killWorker(worker);
        worker = await stack.startWorker();
      }
      return finishAndCheck(stack, handle, cluster);
    });
  },
);

void test('two workers on one task queue, the one running the cluster create killed: the other finishes', async () => {
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
});

secretScanTests(() => stack);
