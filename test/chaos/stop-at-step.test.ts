// Stopping a run at each step: cancel (the saga cleans up), `gkeflow down` (the teardown update,
// through the real CLI) and terminate (no cleanup can run: what was made is left, labelled, for
// the reaper — `gkeflow reap` removes it, a cluster or only a repository and its tag). Every case
// must end with nothing left.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ChaosStack } from '../helpers/chaos-stack';
import { runCli } from '../helpers/cli';
import type { Inventory } from '../helpers/inventory';
import {
  AR_REPOSITORY,
  chaosCase,
  describeInventory,
  EMPTY,
  EMULATOR_ENV,
  inventory,
  PROJECT,
  QUICK,
  REPOSITORY,
  startRun,
  STEPS,
  sweep,
  waitForSteps,
} from './scenario';
import { secretScanTests } from './secret-scan';

let stack: ChaosStack;
before(async () => {
  stack = await ChaosStack.start({ emulatorEnv: EMULATOR_ENV });
  await stack.startWorker();
});
after(async () => {
  await stack?.stop();
});

const chaos = (name: string, body: () => Promise<string>) => chaosCase(stack, 'stop-at-step', name, body);

/** After step n (1-based) of the provisioning; the quick set stops after the cluster exists only. */
const points = QUICK ? [2] : STEPS.map((_, i) => i + 1);
const stepName = (n: number) =>
  `${STEPS[n - 1]}${STEPS.filter((s, i) => i < n && s === STEPS[n - 1]).length > 1 ? ' #2' : ''}`;

for (const n of points) {
  void test(`cancel after step ${n} (${stepName(n)}): nothing left`, async () => {
    await chaos(`cancel after ${stepName(n)}`, async () => {
      const handle = await startRun(stack, `cancel-${n}`);
      await waitForSteps(handle, n);
      await handle.cancel();
      await assert.rejects(handle.result(), WorkflowFailedError);
      const inv = await inventory(stack);
      assert.deepEqual(inv, EMPTY);
      return describeInventory(inv);
    });
  });

  void test(`gkeflow down after step ${n} (${stepName(n)}): nothing left`, async () => {
    await chaos(`down after ${stepName(n)}`, async () => {
      const handle = await startRun(stack, `down-${n}`);
      await waitForSteps(handle, n);
      const r = await runCli(['down', handle.workflowId, '--wait', '--yes'], stack.cliEnv(), 180_000);
      assert.equal(r.code, 0, `gkeflow down: ${r.stderr}`);
      const inv = await inventory(stack);
      assert.deepEqual(inv, EMPTY);
      return describeInventory(inv);
    });
  });

  void test(`terminate after step ${n} (${stepName(n)}): what was made is left for the reaper`, async () => {
    await chaos(`terminate after ${stepName(n)}`, async () => {
      const cluster = `terminate-${n}`;
      const handle = await startRun(stack, cluster);
      await waitForSteps(handle, n);
      await handle.terminate('chaos: terminate');
      // An activity already running finishes its call (a terminate reaches no activity): let it land.
      await new Promise((r) => setTimeout(r, 4000));
      const left = await inventory(stack);
      // The repository and the pushed tag are there from step 1; the cluster from step 2 (or when
      // its create was in flight).
      assert.deepEqual(left.repositories, [AR_REPOSITORY]);
      assert.deepEqual(left.tags, [`${REPOSITORY}:${cluster}`]);
      if (n >= 2) assert.equal(left.clusters.length, 1, 'the cluster is left');
      assert.ok(left.clusters.length <= 1 && left.leaks.length === 0);
      // The reaper removes all of it: through the orphaned cluster's teardown, or (no cluster) the
      // orphaned repository's, which deletes the tag (TUNING deletes the image on teardown) and the
      // repository gkeflow created.
      let reaped: Inventory;
      try {
        const r = await runCli(
          ['reap', '--yes', '--project', PROJECT, '--orphan-grace', '0s'],
          stack.cliEnv(),
          240_000,
        );
        assert.equal(r.code, 0, `gkeflow reap: ${r.stdout} ${r.stderr}`);
        reaped = await inventory(stack);
        assert.deepEqual(reaped, EMPTY, 'gkeflow reap leaves nothing');
      } finally {
        await sweep(stack);
      }
      const after = `gkeflow reap: ${describeInventory(reaped)}`;
      return `left: ${describeInventory(left)}; ${after}`;
    });
  });
}

secretScanTests(() => stack);
