import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { scaleUpdate, statusQuery, teardownUpdate, type TeardownInput } from '../../../src/workflows';
import type { teardownWorkflow } from '../../../src/workflows/teardown';
import {
  eventually,
  FAST,
  noStepsInput,
  startEnv,
  startRunning,
  stubActivities,
  testInput,
  untilStatus,
  withWorker,
} from '../../helpers/workflows';

const CLEANUP = ['deleteService', 'deleteDeployment', 'deleteCluster'];

void test('tears down by itself when the TTL expires', async () => {
  const stub = stubActivities();
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startEnv(
      client,
      taskQueue,
      testInput((d) => (d.ttl = '3s')),
    );
    const r = await handle.result();
    assert.equal(r.reason, 'ttl expired');
    assert.deepEqual(r.cleaned, ['service', 'deployment', 'cluster']);
  });
  assert.deepEqual(stub.calls.slice(-3), CLEANUP);
});

void test('cancel during provisioning stops the step in flight and cleans up what was started', async () => {
  const stub = stubActivities({ applyDeployment: { kind: 'hang' } });
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startEnv(client, taskQueue, testInput());
    await eventually(
      async () => stub.calls,
      (c) => c.includes('applyDeployment'),
    );
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    assert.ok(
      err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure,
      `expected a cancelled run, got ${String(err)}`,
    );
    assert.equal((await handle.query(statusQuery)).phase, 'torn-down');
  });
  assert.deepEqual(stub.calls, [
    'ensureRepository',
    'pushImage',
    'ensureCluster',
    'applyDeployment',
    'deleteDeployment',
    'deleteCluster',
  ]);
});

void test('cancel while running tears everything down', async () => {
  const stub = stubActivities();
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startRunning(client, taskQueue, testInput());
    await handle.cancel();
    await assert.rejects(
      handle.result(),
      (e: unknown) => e instanceof WorkflowFailedError && e.cause instanceof CancelledFailure,
    );
  });
  assert.deepEqual(stub.calls.slice(-3), CLEANUP);
});

void test('starting the same environment twice attaches to the running workflow', async () => {
  const stub = stubActivities();
  await withWorker(stub, async ({ client, taskQueue }) => {
    const input = testInput();
    const first = await startEnv(client, taskQueue, input);
    const second = await startEnv(client, taskQueue, input);
    assert.equal(second.workflowId, first.workflowId);
    assert.equal(second.firstExecutionRunId, first.firstExecutionRunId);
    await untilStatus(second);
    assert.equal(stub.calls.filter((c) => c === 'ensureCluster').length, 1);
    await first.executeUpdate(teardownUpdate, { args: [{}] });
  });
});

void test('continues as new when history grows, carrying its state', async () => {
  const stub = stubActivities();
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startRunning(client, taskQueue, noStepsInput({ ...FAST, historyEventLimit: 45 }));
    for (let n = 1; n <= 6; n++) await handle.executeUpdate(scaleUpdate, { args: [{ replicas: n }] });
    const s = await eventually(
      () => handle.query(statusQuery),
      (st) => st.generation >= 1,
    );
    assert.equal(s.replicas, 6);
    assert.deepEqual(s.resources, { image: 'ready', cluster: 'ready', deployment: 'ready', service: 'ready' });
    assert.notEqual((await handle.describe()).runId, handle.firstExecutionRunId);
    const before = stub.calls.length;
    const r = await handle.executeUpdate(teardownUpdate, { args: [{}] });
    assert.deepEqual(r.cleaned, ['service', 'deployment', 'cluster']);
    assert.deepEqual(stub.calls.slice(before), CLEANUP);
  });
});

void test('teardownWorkflow deletes by coordinates, in order, and is idempotent', async () => {
  const stub = stubActivities();
  await withWorker(stub, async ({ client, taskQueue }) => {
    const env = {
      id: 'gkeflow/gkeflow-test/asia-east1-a/orphan',
      project: 'gkeflow-test',
      location: 'asia-east1-a',
      cluster: 'orphan',
    };
    const input: TeardownInput = { env, service: 'rc-node', deployment: 'rc-node', tuning: FAST, reason: 'expired' };
    for (let i = 0; i < 2; i++) {
      const r = await client.workflow.execute<typeof teardownWorkflow>('teardownWorkflow', {
        workflowId: `teardown-${env.cluster}-${Date.now()}-${i}`,
        taskQueue,
        args: [input],
      });
      assert.deepEqual(r.cleaned, ['service', 'deployment', 'cluster']);
    }
  });
  assert.deepEqual(stub.calls, [...CLEANUP, ...CLEANUP]);
});
