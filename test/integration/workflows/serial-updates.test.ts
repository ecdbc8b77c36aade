import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { resizeUpdate, scaleUpdate, statusQuery, teardownUpdate } from '../../../src/workflows';
import {
  eventually,
  gate,
  sleep,
  startRunning,
  stubActivities,
  untilStatus,
  withWorker,
} from '../../helpers/workflows';

void test('two scales queued behind a resize run after it, one at a time, in arrival order', async () => {
  const stub = stubActivities();
  const log: string[] = [];
  const resizeGate = gate();
  stub.activities.resizeNodePool = async (i) => {
    log.push(`resize ${i.nodeCount} start`);
    await resizeGate.opened;
    log.push(`resize ${i.nodeCount} end`);
  };
  stub.activities.scaleDeployment = async (i) => {
    log.push(`scale ${i.replicas} start`);
    await sleep(300);
    log.push(`scale ${i.replicas} end`);
    return { readyReplicas: i.replicas };
  };
  await withWorker(stub, async ({ client, taskQueue }) => {
    const h = await startRunning(client, taskQueue);
    const resize = await h.startUpdate(resizeUpdate, {
      args: [{ pool: 'default-pool', nodeCount: 4 }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    await eventually(
      async () => log,
      (l) => l.includes('resize 4 start'),
    );
    const first = await h.startUpdate(scaleUpdate, {
      args: [{ replicas: 3 }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    const second = await h.startUpdate(scaleUpdate, {
      args: [{ replicas: 5 }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    await sleep(300);
    resizeGate.open();
    await resize.result();
    assert.deepEqual(await first.result(), { readyReplicas: 3 });
    assert.deepEqual(await second.result(), { readyReplicas: 5 });
    assert.deepEqual(log, [
      'resize 4 start',
      'resize 4 end',
      'scale 3 start',
      'scale 3 end',
      'scale 5 start',
      'scale 5 end',
    ]);
    const s = await h.query(statusQuery);
    assert.equal(s.replicas, 5);
    assert.equal(s.phase, 'running');
    await h.executeUpdate(teardownUpdate, { args: [{}] });
    await h.result();
  });
});

void test('a teardown waits for the change in flight, refuses the queued ones, and never leaves tearing-down', async () => {
  const stub = stubActivities();
  const log: string[] = [];
  const resizeGate = gate();
  const deleteGate = gate();
  stub.activities.resizeNodePool = async () => {
    log.push('resize start');
    await resizeGate.opened;
    log.push('resize end');
  };
  const realDeleteService = stub.activities.deleteService;
  stub.activities.deleteService = async (ref) => {
    log.push('deleteService');
    await deleteGate.opened;
    return realDeleteService(ref);
  };
  await withWorker(stub, async ({ client, taskQueue }) => {
    const h = await startRunning(client, taskQueue);
    const resize = await h.startUpdate(resizeUpdate, {
      args: [{ pool: 'default-pool', nodeCount: 4 }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    await eventually(
      async () => log,
      (l) => l.includes('resize start'),
    );
    const queued = await h.startUpdate(scaleUpdate, {
      args: [{ replicas: 3 }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    const teardown = await h.startUpdate(teardownUpdate, {
      args: [{ reason: 'test' }],
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    await untilStatus(h, (s) => s.phase === 'tearing-down');
    await sleep(300);
    assert.ok(!log.includes('deleteService'), 'cleanup waits for the resize in flight');
    resizeGate.open();
    await resize.result();
    await assert.rejects(
      queued.result(),
      (e: unknown) =>
        e instanceof WorkflowUpdateFailedError &&
        e.cause instanceof ApplicationFailure &&
        e.cause.type === 'EnvironmentClosingError',
    );
    await eventually(
      async () => log,
      (l) => l.includes('deleteService'),
    );
    // The resize's end must not reset the phase to running while cleanup runs.
    const phases = new Set<string>();
    for (let i = 0; i < 5; i++) {
      phases.add((await h.query(statusQuery)).phase);
      await sleep(50);
    }
    assert.deepEqual([...phases], ['tearing-down']);
    deleteGate.open();
    assert.equal((await teardown.result()).reason, 'test');
    assert.deepEqual(log, ['resize start', 'resize end', 'deleteService']);
    assert.ok(!stub.calls.includes('scaleDeployment'), 'the queued scale never ran');
    await h.result();
  });
});
