// Restarts of the services under a running environment: the Temporal dev server (it keeps its
// SQLite file, so the run survives) and the GKE emulator in the middle of an operation (it
// resumes interrupted operations on start). The run completes with one of each resource.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ChaosStack } from '../helpers/chaos-stack';
import { chaosCase, EMULATOR_ENV, finishAndCheck, FULL_ONLY, QUICK_ONLY, startRun, waitForRunning } from './scenario';
import { secretScanTests } from './secret-scan';

let stack: ChaosStack;
before(async () => {
  stack = await ChaosStack.start({ emulatorEnv: EMULATOR_ENV });
  await stack.startWorker();
});
after(async () => {
  await stack?.stop();
});

const chaos = (name: string, body: () => Promise<string>) => chaosCase(stack, 'restarts', name, body);

void test(
  'the Temporal dev server restarts while the cluster is being created: the run completes',
  FULL_ONLY,
  async () => {
    await chaos('Temporal dev server restarted mid-run', async () => {
      const cluster = 'temporal-restart';
      const handle = await startRun(stack, cluster);
      await waitForRunning(handle, 'ensureCluster');
      await stack.restartService('temporal');
      return finishAndCheck(stack, handle, cluster);
    });
  },
);

/**
 * Restarts the emulator while `step`'s GKE operation (`operationType`) is under way, and checks
 * that the restarted emulator resumed that operation (so the restart did land inside it).
 */
async function emulatorRestartCase(step: string, operationType: string, cluster: string): Promise<string> {
  const handle = await startRun(stack, cluster);
  await waitForRunning(handle, step);
  await new Promise((r) => setTimeout(r, 800)); // the operation is under way
  await stack.restartService('gke-emulator');
  const log = fs.readFileSync(path.join(stack.logDir(), 'gke-emulator.log'), 'utf8');
  assert.match(log, new RegExp(`resuming ${operationType} operation-\\S+ on \\S+/clusters/${cluster}\\b`));
  return finishAndCheck(stack, handle, cluster);
}

void test('the GKE emulator restarts in the middle of a node pool resize: the run completes', FULL_ONLY, async () => {
  await chaos('GKE emulator restarted mid-operation (resizeNodePool)', () =>
    emulatorRestartCase('resizeNodePool', 'SET_NODE_POOL_SIZE', 'emulator-restart-resize'),
  );
});

void test(
  'the Temporal dev server restarts mid cluster create, the GKE emulator mid node pool resize: the run completes',
  QUICK_ONLY,
  async () => {
    await chaos('quick: Temporal restarted mid ensureCluster, emulator restarted mid resizeNodePool', async () => {
      const cluster = 'restarts-quick';
      const handle = await startRun(stack, cluster);
      await waitForRunning(handle, 'ensureCluster');
      await stack.restartService('temporal');
      await waitForRunning(handle, 'resizeNodePool');
      await new Promise((r) => setTimeout(r, 800));
      await stack.restartService('gke-emulator');
      return finishAndCheck(stack, handle, cluster);
    });
  },
);

// The emulator keeps the interrupted CreateCluster and resumes it under its name on start, as
// GKE would: ensureCluster, polling that operation, sees it end DONE.
void test('the GKE emulator restarts in the middle of the cluster create: the run completes', FULL_ONLY, async () => {
  await chaos('GKE emulator restarted mid-operation (ensureCluster)', () =>
    emulatorRestartCase('ensureCluster', 'CREATE_CLUSTER', 'emulator-restart-create'),
  );
});

secretScanTests(() => stack);
