import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusQuery, teardownUpdate } from '../../src/workflows';
import { eventually, startEnv, stubActivities, testInput, withWorker } from './helpers';

const PROVISION_ORDER = ['pushImage', 'ensureCluster', 'applyDeployment', 'applyService', 'waitForExternalIp', 'probeEndpoint', 'scaleDeployment', 'scaleDeployment', 'resizeNodePool'];

void test('provisions in the walkthrough order, then serves status while running', async () => {
  const stub = stubActivities();
  const input = testInput();
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startEnv(client, taskQueue, input);
    const status = await eventually(() => handle.query(statusQuery), (s) => s.phase === 'running');
    assert.deepEqual(stub.calls, PROVISION_ORDER);
    assert.deepEqual(status.resources, { image: 'ready', cluster: 'ready', deployment: 'ready', service: 'ready' });
    assert.equal(status.endpoint, 'http://203.0.113.7:8888');
    assert.equal(status.replicas, 5);
    assert.deepEqual(status.poolSizes, { 'default-pool': 3 });
    assert.equal(status.stepsDone, 3);
    assert.equal(status.stepsTotal, 3);
    assert.equal(status.envId, `gkeflow/gkeflow-test/asia-east1-a/${input.spec.cluster.name}`);
    assert.ok(Date.parse(status.expiresAt) > Date.now() + 50 * 60_000);
    const desc = await handle.describe();
    assert.deepEqual(desc.searchAttributes.GkeflowPhase, ['running']);
    assert.deepEqual(desc.searchAttributes.GkeflowCluster, [input.spec.cluster.name]);
    assert.ok(desc.searchAttributes.GkeflowExpiresAt);
    const result = await handle.executeUpdate(teardownUpdate, { args: [{}] });
    assert.deepEqual(result.cleaned, ['service', 'deployment', 'cluster']);
    assert.deepEqual(await handle.result(), result);
  });
  assert.deepEqual(stub.calls.slice(PROVISION_ORDER.length), ['deleteService', 'deleteDeployment', 'deleteCluster']);
});
