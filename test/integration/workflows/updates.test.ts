import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { resizeUpdate, scaleUpdate, statusQuery, teardownUpdate } from '../../../src/workflows';
import {
  eventually,
  FAST,
  startEnv,
  startRunning,
  stubActivities,
  testInput,
  withWorker,
} from '../../helpers/workflows';

/** Asserts an update was rejected (WorkflowUpdateFailedError) with a cause message matching re. */
async function rejectedWith(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof WorkflowUpdateFailedError && re.test(String(e.cause?.message)));
}

void test('scale and resize updates change the running environment and show in status', async () => {
  const stub = stubActivities();
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startRunning(client, taskQueue, testInput());
    assert.deepEqual(await handle.executeUpdate(scaleUpdate, { args: [{ replicas: 7 }] }), { readyReplicas: 7 });
    assert.deepEqual(await handle.executeUpdate(resizeUpdate, { args: [{ pool: 'default-pool', nodeCount: 4 }] }), {
      pool: 'default-pool',
      nodeCount: 4,
    });
    const s = await handle.query(statusQuery);
    assert.equal(s.replicas, 7);
    assert.deepEqual(s.poolSizes, { 'default-pool': 4 });
    assert.equal(s.phase, 'running');
    await handle.executeUpdate(teardownUpdate, { args: [{ reason: 'done' }] });
    assert.equal((await handle.result()).reason, 'done');
  });
});

void test('rejects bad update arguments and updates while provisioning, without side effects', async () => {
  const stub = stubActivities({ waitForExternalIp: { kind: 'hang' } });
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startEnv(client, taskQueue, testInput());
    await eventually(
      async () => stub.calls,
      (c) => c.includes('waitForExternalIp'),
    );
    await rejectedWith(handle.executeUpdate(scaleUpdate, { args: [{ replicas: 3 }] }), /still provisioning/);
    // A teardown during provisioning cancels the step in flight and cleans up.
    const r = await handle.executeUpdate(teardownUpdate, { args: [{}] });
    assert.deepEqual(r.cleaned, ['service', 'deployment', 'cluster']);
    await handle.result();
  });
  const stub2 = stubActivities();
  await withWorker(stub2, async ({ client, taskQueue }) => {
    const handle = await startRunning(client, taskQueue, testInput());
    const before = stub2.calls.length;
    for (const args of [{ replicas: -1 }, { replicas: 2.5 }, { replicas: 5000 }]) {
      await rejectedWith(handle.executeUpdate(scaleUpdate, { args: [args] }), /replicas/);
    }
    await rejectedWith(
      handle.executeUpdate(resizeUpdate, { args: [{ pool: 'gpu-pool', nodeCount: 1 }] }),
      /no node pool/,
    );
    await rejectedWith(
      handle.executeUpdate(resizeUpdate, { args: [{ pool: 'default-pool', nodeCount: -2 }] }),
      /nodeCount/,
    );
    assert.equal(stub2.calls.length, before, 'rejected updates touch nothing');
    await handle.executeUpdate(teardownUpdate, { args: [{}] });
    await handle.result();
    await assert.rejects(handle.executeUpdate(scaleUpdate, { args: [{ replicas: 1 }] }));
  });
});

void test('a failed scale update fails the update, not the environment', async () => {
  const stub = stubActivities();
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startRunning(client, taskQueue);
    stub.faults.scaleDeployment = { kind: 'permanent', type: 'RolloutFailedError' };
    await assert.rejects(
      handle.executeUpdate(scaleUpdate, { args: [{ replicas: 9 }] }),
      (e: unknown) =>
        e instanceof WorkflowUpdateFailedError && (e.cause as { type?: string }).type === 'ScaleFailedError',
    );
    const s = await handle.query(statusQuery);
    assert.equal(s.phase, 'running');
    assert.equal(s.replicas, 2);
    assert.match(s.lastError ?? '', /RolloutFailedError/);
    await handle.executeUpdate(teardownUpdate, { args: [{}] });
    await handle.result();
  });
});

void test('teardown deletes the Service before the Deployment before the cluster, and completes the run', async () => {
  const stub = stubActivities();
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startRunning(
      client,
      taskQueue,
      testInput(undefined, { ...FAST, deleteImageOnTeardown: true }),
    );
    const r = await handle.executeUpdate(teardownUpdate, { args: [{}] });
    assert.deepEqual(r.cleaned, ['service', 'deployment', 'cluster', 'image']);
    assert.deepEqual(stub.calls.slice(-4), ['deleteService', 'deleteDeployment', 'deleteCluster', 'deleteImageTag']);
    assert.equal((await handle.query(statusQuery)).phase, 'torn-down');
    assert.deepEqual((await handle.describe()).searchAttributes.GkeflowPhase, ['torn-down']);
  });
});

void test('a teardown that cannot delete the cluster answers with the leftover and fails the run with CleanupIncompleteError', async () => {
  const stub = stubActivities();
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startRunning(client, taskQueue);
    stub.faults.deleteCluster = { kind: 'permanent', type: 'PermissionDeniedError' };
    const r = await handle.executeUpdate(teardownUpdate, { args: [{}] });
    assert.deepEqual(r.cleaned, ['service', 'deployment']);
    assert.deepEqual(
      r.leftovers.map((l) => l.kind),
      ['cluster'],
    );
    const err = await handle.result().catch((e: unknown) => e);
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure, String(err));
    assert.equal(err.cause.type, 'CleanupIncompleteError');
    const s = await handle.query(statusQuery);
    assert.equal(s.phase, 'failed');
    assert.equal(s.resources.cluster, 'cleanup-failed');
  });
});
