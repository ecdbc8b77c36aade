// Issue 9: the repository gkeflow creates before the push is a compensation of its own, after the image tag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { statusQuery, teardownUpdate } from '../../../src/contract/messages';
import {
  eventually,
  FAST,
  startEnv,
  stubActivities,
  testInput,
  withWorker,
  type ActivityName,
  type Fault,
} from '../../helpers/workflows';

const DELETES = ['deleteService', 'deleteDeployment', 'deleteCluster', 'deleteImageTag', 'deleteRepository'];

/** A run whose repository gkeflow created, failing in applyDeployment; returns the cleanup calls and the failure details. */
async function failAfterCreatingRepository(faults: Partial<Record<ActivityName, Fault>>) {
  const stub = stubActivities({ applyDeployment: { kind: 'permanent' }, ...faults });
  const real = stub.activities.ensureRepository;
  stub.activities.ensureRepository = async (input) => ({ ...(await real(input)), created: true });
  const err = await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startEnv(client, taskQueue, testInput(undefined, { ...FAST, deleteImageOnTeardown: true }));
    return handle.result().then(
      () => assert.fail('expected the workflow to fail'),
      (e: unknown) => e,
    );
  });
  assert.ok(err instanceof WorkflowFailedError);
  const details = (err.cause as { details?: unknown[] }).details?.[0] as { leftovers: Array<{ kind: string }> };
  return { deletes: stub.calls.filter((n) => DELETES.includes(n)), details };
}

void test('deletes the repository gkeflow created after the image tag', async () => {
  const { deletes, details } = await failAfterCreatingRepository({});
  assert.deepEqual(deletes, ['deleteDeployment', 'deleteCluster', 'deleteImageTag', 'deleteRepository']);
  assert.deepEqual(details.leftovers, []);
});

void test('keeps the repository when its image tag could not be deleted (reported once, as the image)', async () => {
  const { deletes, details } = await failAfterCreatingRepository({ deleteImageTag: { kind: 'permanent' } });
  assert.deepEqual(deletes, ['deleteDeployment', 'deleteCluster', 'deleteImageTag']);
  assert.deepEqual(
    details.leftovers.map((l) => l.kind),
    ['image'],
  );
});

/** A run whose repository gkeflow created, the image kept on teardown (the default); returns the cleanup calls. */
async function createdRepositoryImageKept(
  faults: Partial<Record<ActivityName, Fault>>,
  drive: (handle: Awaited<ReturnType<typeof startEnv>>, stub: ReturnType<typeof stubActivities>) => Promise<void>,
) {
  const stub = stubActivities(faults);
  const real = stub.activities.ensureRepository;
  stub.activities.ensureRepository = async (input) => ({ ...(await real(input)), created: true });
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startEnv(client, taskQueue, testInput());
    await drive(handle, stub);
  });
  return stub.calls.filter((n) => DELETES.includes(n));
}

void test('a teardown during the push deletes the repository gkeflow created, though the image is kept on teardown', async () => {
  const deletes = await createdRepositoryImageKept({ pushImage: { kind: 'hang' } }, async (handle, stub) => {
    await eventually(
      async () => stub.calls,
      (calls) => calls.includes('pushImage'),
    );
    const res = await handle.executeUpdate(teardownUpdate, { args: [{ reason: 'cancelled mid-push' }] });
    assert.deepEqual(res.leftovers, []);
  });
  assert.deepEqual(deletes, ['deleteRepository']);
});

void test('a push that fails for good deletes the repository gkeflow created, though the image is kept on teardown', async () => {
  const deletes = await createdRepositoryImageKept({ pushImage: { kind: 'permanent' } }, async (handle) => {
    await assert.rejects(handle.result());
  });
  assert.deepEqual(deletes, ['deleteRepository']);
});

void test('keeps the repository holding a pushed image that is kept on teardown', async () => {
  const deletes = await createdRepositoryImageKept({}, async (handle) => {
    await eventually(
      () => handle.query(statusQuery),
      (s) => s.phase === 'running',
    );
    await handle.executeUpdate(teardownUpdate, { args: [{}] });
    await handle.result();
  });
  assert.deepEqual(deletes, ['deleteService', 'deleteDeployment', 'deleteCluster']);
});

void test('an ensureRepository whose create landed but never answered still gets the repository deleted', async () => {
  const stub = stubActivities({ ensureRepository: { kind: 'create-then-fail' } });
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startEnv(client, taskQueue, testInput());
    await assert.rejects(handle.result());
  });
  assert.ok(stub.succeeded.includes('created:ensureRepository'), 'the create happened');
  assert.deepEqual(
    stub.calls.filter((n) => DELETES.includes(n)),
    ['deleteRepository'],
  );
  assert.deepEqual(
    (stub.inputs.deleteRepository?.[0] as { name: string }).name,
    'projects/gkeflow-test/locations/asia/repositories/repo',
  );
});

void test('deletes the repository its push created again after a sharer deleted it (adopted, so not registered before)', async () => {
  const name = 'projects/gkeflow-test/locations/asia/repositories/repo';
  const stub = stubActivities({ applyDeployment: { kind: 'permanent' } });
  const real = stub.activities.pushImage;
  stub.activities.pushImage = async (input) => ({ ...(await real(input)), repositoryCreated: name });
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startEnv(client, taskQueue, testInput(undefined, { ...FAST, deleteImageOnTeardown: true }));
    await handle.result().then(
      () => assert.fail('expected the workflow to fail'),
      () => undefined,
    );
  });
  assert.deepEqual(
    stub.calls.filter((n) => DELETES.includes(n)),
    ['deleteDeployment', 'deleteCluster', 'deleteImageTag', 'deleteRepository'],
  );
  assert.deepEqual(
    stub.inputs.deleteRepository?.map((i) => (i as { name: string }).name),
    [name],
  );
});
