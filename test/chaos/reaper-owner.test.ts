// Issue 17: the reaper pointed at a project with live environments never takes one. A terminated
// run whose name is reused (the new run adopts the cluster and relabels its expiry and owner),
// and a reaper of another installation (another gkeflow-owner), each reaping with grace 0: the
// live cluster survives, with one of each resource, and its own teardown then leaves nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChaosStack } from '../helpers/chaos-stack';
import { installationOwner } from '../../src/config/installation';
import { taskQueueFor } from '../../src/config/endpoints';
import { runReaperNow } from '../../src/temporal/schedules';
import { SKIP_REASONS } from '../../src/workflows/reaper/plan';
import {
  chaosCase,
  describeInventory,
  EMULATOR_ENV,
  expectedRunning,
  inventory,
  PROJECT,
  startRun,
  teardownAndCheck,
  waitProvisioned,
} from './scenario';

process.env.GKEFLOW_INSTALLATION ??= 'gkeflow-chaos';

let stack: ChaosStack;
before(async () => {
  stack = await ChaosStack.start({ emulatorEnv: EMULATOR_ENV });
  await stack.startWorker();
});
after(async () => {
  await stack?.stop();
});

const chaos = (name: string, body: () => Promise<string>) => chaosCase(stack, 'reaper-owner', name, body);
const reap = async (owner?: string) =>
  (
    await runReaperNow(stack.client, taskQueueFor('local', stack.temporalConfig), {
      projects: [PROJECT],
      orphanGraceMs: 0,
      ...(owner ? { owner } : {}),
    })
  ).report;

void test('a terminated run whose name is reused, and another installation, each reaping with grace 0: the live cluster survives', async () => {
  await chaos('terminated run reused; two installations reap with grace 0', async () => {
    const cluster = 'reaper-reused';
    const first = await startRun(stack, cluster);
    await waitProvisioned(first);
    await first.terminate('chaos: the first run is terminated, its cluster left');
    // The name is reused: the new run adopts the cluster (and relabels it as its own).
    const second = await startRun(stack, cluster);
    await waitProvisioned(second);
    const ours = installationOwner(stack.client.options.namespace);
    const mine = await reap();
    assert.equal(mine.owner, ours);
    assert.deepEqual(mine.deleted, []);
    assert.deepEqual(
      mine.skipped.filter((e) => !e.repository).map((e) => [e.cluster, e.reason]),
      [[cluster, SKIP_REASONS.live]],
    );
    // Another installation on the same project and emulator: not its own, never judged.
    const theirs = await reap('bbbbbbbbbbbb');
    assert.deepEqual(theirs.deleted, []);
    assert.deepEqual(
      theirs.skipped.filter((e) => !e.repository).map((e) => [e.cluster, e.reason]),
      [[cluster, SKIP_REASONS.otherOwner]],
    );
    const inv = await inventory(stack);
    assert.deepEqual(inv, expectedRunning(cluster));
    assert.equal((await second.describe()).status.name, 'RUNNING');
    await teardownAndCheck(stack, second);
    return `${describeInventory(inv)} kept by both reapers → torn down by its own run: nothing`;
  });
});
