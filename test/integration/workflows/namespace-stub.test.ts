// The namespace environment's workflow (issue 22) with stubbed activities on the real dev
// server: the namespace instead of a cluster, the teardown order, resize refused, extend relabels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EnsureNamespaceInput } from '../../../src/contract/namespace-io';
import { LABELS } from '../../../src/contract/labels';
import { extendUpdate, resizeUpdate, statusQuery, teardownUpdate } from '../../../src/contract/messages';
import { namespaceInput } from '../../helpers/history-scenarios';
import { eventually, startEnv, stubActivities, withWorker } from '../../helpers/workflows';

void test('a namespace environment makes its namespace, never a cluster, and tears it down after its Service', async () => {
  const stub = stubActivities();
  const input = namespaceInput('shared-stub', 'pr-9');
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startEnv(client, taskQueue, input);
    assert.equal(handle.workflowId, 'gkeflow/gkeflow-test/asia-east1-a/shared-stub/pr-9');
    const status = await eventually(
      () => handle.query(statusQuery),
      (s) => s.phase === 'running',
    );
    assert.deepEqual(status.resources, {
      image: 'ready',
      cluster: 'absent',
      namespace: 'ready',
      deployment: 'ready',
      service: 'ready',
    });
    const ensured = stub.inputs.ensureNamespace?.[0] as EnsureNamespaceInput;
    assert.equal(ensured.namespace, 'pr-9');
    assert.equal(ensured.env.cluster, 'shared-stub');
    assert.deepEqual(ensured.quota, { pods: '10' });
    assert.ok(ensured.labels[LABELS.expiresAt]);

    const before = stub.calls.length;
    await assert.rejects(
      handle.executeUpdate(resizeUpdate, { args: [{ pool: 'default-pool', nodeCount: 3 }] }),
      (e: Error) => /never resizes it/.test(String((e as { cause?: unknown }).cause)),
    );
    assert.equal(stub.calls.length, before, 'a refused resize calls nothing');

    await handle.executeUpdate(extendUpdate, { args: [{ ttl: '3h' }] });
    const relabel = stub.inputs.ensureNamespace?.[1] as EnsureNamespaceInput;
    assert.ok(Number(relabel.labels[LABELS.expiresAt]) > Number(ensured.labels[LABELS.expiresAt]));
    assert.deepEqual(stub.calls.slice(before), ['ensureNamespace'], 'extend relabels the namespace only');

    const result = await handle.executeUpdate(teardownUpdate, { args: [{}] });
    assert.deepEqual(result.leftovers, []);
  });
  assert.ok(!stub.calls.includes('ensureCluster') && !stub.calls.includes('deleteCluster'), stub.calls.join(', '));
  assert.ok(!stub.calls.includes('resizeNodePool') && !stub.calls.includes('setClusterLabels'));
  const teardown = stub.calls.slice(stub.calls.lastIndexOf('ensureNamespace') + 1);
  assert.deepEqual(teardown, ['deleteService', 'deleteDeployment', 'deleteNamespace']);
  assert.deepEqual(stub.inputs.deleteNamespace?.[0], {
    env: (stub.inputs.ensureNamespace?.[0] as EnsureNamespaceInput).env,
    namespace: 'pr-9',
  });
});

void test('a namespace environment whose namespace cannot be made cleans up what it pushed and deletes no cluster', async () => {
  const stub = stubActivities({ ensureNamespace: { kind: 'permanent', type: 'NameTakenError' } });
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startEnv(client, taskQueue, namespaceInput('shared-stub', 'taken'));
    await assert.rejects(handle.result());
  });
  assert.ok(!stub.calls.includes('deleteCluster'), stub.calls.join(', '));
  assert.ok(stub.calls.includes('deleteNamespace'), 'the saga registered the namespace before its create');
});
