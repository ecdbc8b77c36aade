// Issue 9: the repository gkeflow creates before the push is a compensation of its own, after the image tag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import {
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
