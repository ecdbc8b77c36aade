// scale and resize on a closed environment: exit 2 with one clear line naming it, no stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { teardownUpdate } from '../../../src/workflows';
import { runCli } from '../../helpers/cli';
import { testTemporalAddress } from '../../helpers/temporal';
import { startRunning, stubActivities, withWorker } from '../../helpers/workflows';

void test('scale and resize on a closed environment exit 2 naming it, without a stack trace', async () => {
  const env = { TEMPORAL_ADDRESS: await testTemporalAddress(), GKEFLOW_CODEC: 'off' };
  await withWorker(stubActivities(), async ({ client, taskQueue }) => {
    const h = await startRunning(client, taskQueue);
    await h.executeUpdate(teardownUpdate, { args: [{}] });
    await h.result();
    for (const args of [
      ['scale', h.workflowId, '--replicas', '3'],
      ['resize', h.workflowId, '--pool', 'default-pool', '--nodes', '3'],
    ]) {
      const r = await runCli(args, env);
      assert.equal(r.code, 2, `${args[0]}: exit code (stderr: ${r.stderr})`);
      assert.match(r.stderr, /is closed/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });
});
