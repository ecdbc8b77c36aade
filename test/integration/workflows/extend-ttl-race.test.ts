/**
 * Issue 17 point 4: an extend whose relabel is still running when the TTL fires must not report
 * success while the environment is torn down. The real Temporal server and workflow, stubbed activities.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { extendUpdate } from '../../../src/contract/messages';
import { statusQuery } from '../../../src/workflows';
import { eventually, startEnv, stubActivities, testInput, withWorker } from '../../helpers/workflows';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

void test('an extend in the last seconds of a TTL, overtaken by it, fails with EnvironmentClosingError', async () => {
  const stub = stubActivities();
  // The relabel outlasts the whole 3 s TTL (and stays inside the 5 s activity timeout), so the
  // timer fires while the extend's label change runs wherever in the TTL the extend begins (with
  // 2.5 s, an extend that began early on a quiet machine finished first and rightly succeeded).
  stub.activities.setClusterLabels = () => sleep(4500);
  await withWorker(stub, async ({ client, taskQueue }) => {
    const h = await startEnv(
      client,
      taskQueue,
      testInput((d) => {
        d.steps = [];
        d.ttl = '3s';
      }),
    );
    await eventually(
      () => h.query(statusQuery),
      (s) => s.phase === 'running',
    );
    const err = await h.executeUpdate(extendUpdate, { args: [{ ttl: '2h' }] }).then(
      (r) => assert.fail(`the extend reported success (${r.expiresAt}) while the environment ends`),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
    assert.ok(err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'EnvironmentClosingError');
    const result = (await h.result()) as { reason: string };
    assert.equal(result.reason, 'ttl expired');
    assert.ok(stub.calls.includes('deleteCluster'), 'the environment was torn down');
  });
});
