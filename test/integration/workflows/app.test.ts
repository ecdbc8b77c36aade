import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApplyAppInput } from '../../../src/contract/app-io';
import { statusQuery, teardownUpdate } from '../../../src/workflows';
import { eventually, startEnv, stubActivities, TEST_BUNDLE, testAppInput, withWorker } from '../../helpers/workflows';

void test('an app spec provisions through applyApp and tears down the app, then the cluster, then its bundle', async () => {
  const stub = stubActivities();
  const input = testAppInput();
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startEnv(client, taskQueue, input);
    const status = await eventually(
      () => handle.query(statusQuery),
      (s) => s.phase === 'running',
    );
    assert.deepEqual(stub.calls, [
      'ensureRepository',
      'pushImage',
      'ensureCluster',
      'applyApp',
      'probeEndpoint',
      'resizeNodePool',
    ]);
    assert.equal(status.endpoint, 'http://203.0.113.9:80');
    assert.deepEqual(status.resources, { image: 'ready', cluster: 'ready', deployment: 'absent', service: 'ready' });
    const apply = stub.inputs.applyApp?.[0] as ApplyAppInput;
    assert.equal(apply.bundle, TEST_BUNDLE);
    assert.equal(apply.namespace, 'preview');
    assert.equal(apply.image, `asia-docker.pkg.dev/gkeflow-test/repo/app@sha256:${'ab'.repeat(32)}`);
    assert.deepEqual(apply.endpoint, { service: 'web', port: 80 });
    const result = await handle.executeUpdate(teardownUpdate, { args: [{}] });
    assert.deepEqual(result.leftovers, []);
  });
  const teardown = stub.calls.slice(stub.calls.indexOf('resizeNodePool') + 1);
  assert.deepEqual(teardown, ['deleteApp', 'deleteCluster', 'deleteImageTag']);
  assert.deepEqual(stub.inputs.deleteImageTag?.[0], {
    env: (stub.inputs.applyApp?.[0] as ApplyAppInput).env,
    repository: TEST_BUNDLE.slice(0, TEST_BUNDLE.indexOf('@')),
    tag: TEST_BUNDLE.slice(TEST_BUNDLE.indexOf('@') + 1),
  });
});

void test('an app whose deleteApp fails keeps its cluster: its load balancers would leak', async () => {
  const stub = stubActivities({ deleteApp: { kind: 'permanent', type: 'InvalidArgumentError' } });
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startEnv(client, taskQueue, testAppInput());
    await eventually(
      () => handle.query(statusQuery),
      (s) => s.phase === 'running',
    );
    const result = await handle.executeUpdate(teardownUpdate, { args: [{}] });
    assert.deepEqual(
      result.leftovers.map((l) => l.kind),
      ['service', 'cluster'],
    );
  });
  assert.ok(!stub.calls.includes('deleteCluster'));
});
