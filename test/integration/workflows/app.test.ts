import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApplyAppInput } from '../../../src/contract/app-io';
import { statusQuery, teardownUpdate } from '../../../src/workflows';
import { applySpecUpdate, specQuery } from '../../../src/contract/messages';
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

void test('apply on a running app: a new image is pushed and rolled out, the new bundle applied, the old one deleted; fixed fields refused', async () => {
  const stub = stubActivities();
  const input = testAppInput();
  const nextBundle = `asia-docker.pkg.dev/gkeflow-test/repo/app-app@sha256:${'ef'.repeat(32)}`;
  const next = {
    ...input.spec,
    image: { ...input.spec.image!, tag: 'v2' },
    app: { ...input.spec.app!, bundle: nextBundle },
  };
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startEnv(client, taskQueue, input);
    await eventually(
      () => handle.query(statusQuery),
      (s) => s.phase === 'running',
    );
    const before = stub.calls.length;
    await assert.rejects(
      handle.executeUpdate(applySpecUpdate, {
        args: [{ spec: { ...next, cluster: { ...next.cluster, releaseChannel: 'RAPID' } } }],
      }),
      (e: Error) => /cluster\.releaseChannel: GKE cannot change it in place/.test(String(e.cause)),
    );
    assert.equal(stub.calls.length, before, 'a refused update calls nothing');
    const r = await handle.executeUpdate(applySpecUpdate, { args: [{ spec: next }] });
    assert.deepEqual(r.changed, ['app.bundle', 'image.tag']);
    assert.equal(r.endpoint, 'http://203.0.113.9:80');
    assert.deepEqual(stub.calls.slice(before), ['pushImage', 'applyApp', 'deleteImageTag']);
    assert.equal((stub.inputs.pushImage?.[1] as { tag: string }).tag, 'v2');
    assert.equal((stub.inputs.applyApp?.[1] as ApplyAppInput).bundle, nextBundle);
    assert.equal(
      (stub.inputs.deleteImageTag?.[0] as { tag: string }).tag,
      TEST_BUNDLE.slice(TEST_BUNDLE.indexOf('@') + 1),
    );
    assert.equal((await handle.query(specQuery)).app?.bundle, nextBundle);
    await handle.executeUpdate(teardownUpdate, { args: [{}] });
  });
  // Teardown deletes the bundle the environment runs now.
  assert.equal(
    (stub.inputs.deleteImageTag?.at(-1) as { tag: string }).tag,
    nextBundle.slice(nextBundle.indexOf('@') + 1),
  );
});
