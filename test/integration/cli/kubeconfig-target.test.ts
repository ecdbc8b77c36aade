import { test } from 'node:test';
import assert from 'node:assert/strict';
import { temporalConfig } from '../../../src/temporal/connection';
import { environmentTarget } from '../../../src/temporal/environments';
import { testTemporalAddress } from '../../helpers/temporal';
import { startRunning, stubActivities, testInput, withWorker } from '../../helpers/workflows';

void test("kubeconfig's target is the environment's own (its workflow's spec), not the CLI's GKEFLOW_TARGET", async () => {
  await withWorker(stubActivities(), async ({ client, taskQueue }) => {
    const cfg = temporalConfig({ TEMPORAL_ADDRESS: await testTemporalAddress(), GKEFLOW_TARGET: 'local' });
    const gcp = await startRunning(
      client,
      taskQueue,
      testInput((d) => {
        d.steps = [];
        d.target = 'gcp';
      }),
    );
    const local = await startRunning(client, taskQueue);
    assert.equal(await environmentTarget(client, cfg, gcp.workflowId), 'gcp');
    assert.equal(await environmentTarget(client, cfg, local.workflowId), 'local');
    await Promise.all([gcp, local].map((h) => h.terminate('test done')));
  });
});
