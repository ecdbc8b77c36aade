// kill -9 of workers: at every step boundary, in the middle of each long step, and one of two
// workers on one task queue. The run completes with one of each resource.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChaosStack } from '../helpers/chaos-stack';
import {
  describeInventory,
  EMPTY,
  EMULATOR_ENV,
  expectedRunning,
  inventory,
  LONG_STEPS,
  QUICK,
  record,
  startRun,
  STEPS,
  teardownAndCheck,
  waitForRunning,
  waitForSteps,
  waitProvisioned,
} from './scenario';
import { scanForSecrets } from './secret-scan';

let stack: ChaosStack;
before(async () => {
  stack = await ChaosStack.start({ emulatorEnv: EMULATOR_ENV });
});
after(async () => {
  await stack?.stop();
});

async function chaosCase(name: string, body: () => Promise<string>): Promise<void> {
  const t0 = Date.now();
  let outcome = 'failed';
  let inv = '?';
  try {
    assert.deepEqual(await inventory(stack), EMPTY, 'the case starts from an empty cloud');
    inv = await body();
    outcome = 'completed';
  } finally {
    record({ file: 'worker-kill', name, outcome, inventory: inv, seconds: Math.round((Date.now() - t0) / 1000) });
  }
}

/** Completes the run's provisioning, checks the inventory, tears down, checks nothing is left. */
async function finishAndCheck(handle: Awaited<ReturnType<typeof startRun>>, cluster: string): Promise<string> {
  await waitProvisioned(handle);
  const inv = await inventory(stack);
  assert.deepEqual(inv, expectedRunning(cluster));
  await teardownAndCheck(stack, handle);
  return describeInventory(inv);
}

const boundaries = QUICK ? [2, 5] : STEPS.slice(0, -1).map((_, i) => i + 1);
void test(`kill -9 of the worker after steps ${boundaries.join(', ')}: the run completes, one of each resource`, async () => {
  await chaosCase(`kill -9 at step boundaries ${boundaries.join(',')}`, async () => {
    let worker = await stack.startWorker();
    const cluster = QUICK ? 'kill-boundary-q' : 'kill-boundary';
    const handle = await startRun(stack, cluster);
    for (const n of boundaries) {
      const done = await waitForSteps(handle, n);
      assert.equal(done.length >= n, true);
      await stack.killWorker(worker);
      worker = await stack.startWorker();
    }
    return finishAndCheck(handle, cluster);
  });
});

const midSteps: readonly string[] = QUICK ? ['ensureCluster'] : LONG_STEPS;
void test(`kill -9 of the worker in the middle of ${midSteps.join(', ')}: the run completes`, async () => {
  await chaosCase(`kill -9 mid-step: ${midSteps.join(', ')}`, async () => {
    let worker = stack.workers[0] ?? (await stack.startWorker());
    const cluster = QUICK ? 'kill-mid-q' : 'kill-mid';
    const handle = await startRun(stack, cluster);
    for (const step of midSteps) {
      await waitForRunning(handle, step);
      await new Promise((r) => setTimeout(r, 300));
      await stack.killWorker(worker);
      worker = await stack.startWorker();
    }
    return finishAndCheck(handle, cluster);
  });
});

void test('two workers on one task queue, the one running the cluster create killed: the other finishes', async () => {
  await chaosCase('two workers, one killed mid-run', async () => {
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
    return finishAndCheck(handle, cluster);
  });
});

void test('no history or log of this file holds a certificate, key, token, kubeconfig or secret env value', async () => {
  await scanForSecrets(stack);
});
