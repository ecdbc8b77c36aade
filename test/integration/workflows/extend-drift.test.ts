import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { LABELS, SEARCH_ATTRIBUTES } from '../../../src/contract/labels';
import { extendUpdate } from '../../../src/contract/messages';
import { scaleUpdate, statusQuery, teardownUpdate } from '../../../src/workflows';
import {
  eventually,
  FAST,
  healthyReport,
  noStepsInput,
  startEnv,
  startRunning,
  stubActivities,
  testInput,
  untilStatus,
  withWorker,
} from '../../helpers/workflows';

void test('extend moves the TTL and rewrites the expiry label; bad or late extensions change nothing', async () => {
  const stub = stubActivities();
  await withWorker(stub, async ({ client, taskQueue }) => {
    const h = await startRunning(client, taskQueue);
    const before = await h.query(statusQuery);
    const t0 = Date.now();
    const r = await h.executeUpdate(extendUpdate, { args: [{ ttl: '2h' }] });
    const at = Date.parse(r.expiresAt);
    assert.ok(Math.abs(at - (t0 + 2 * 3_600_000)) < 60_000, `expires about 2h from now, got ${r.expiresAt}`);
    assert.notEqual(r.expiresAt, before.expiresAt);
    assert.equal((await h.query(statusQuery)).expiresAt, r.expiresAt);
    const labelled = stub.inputs.setClusterLabels?.[0] as { labels: Record<string, string> };
    assert.equal(labelled.labels[LABELS.expiresAt], String(Math.floor(at / 1000)));

    const calls = stub.calls.length;
    for (const ttl of ['31d', '0s', 'soon']) {
      await assert.rejects(
        h.executeUpdate(extendUpdate, { args: [{ ttl }] }),
        (e: unknown) => e instanceof WorkflowUpdateFailedError && /^ttl: /.test(String(e.cause?.message)),
      );
    }
    assert.equal(stub.calls.length, calls, 'rejected extensions touch nothing');

    // Shortening works too: the timer moves and the TTL tears the environment down.
    await h.executeUpdate(extendUpdate, { args: [{ ttl: '1s' }] });
    assert.equal((await h.result()).reason, 'ttl expired');
    await assert.rejects(h.executeUpdate(extendUpdate, { args: [{ ttl: '1h' }] }));
  });
});

void test('the drift check reports degraded with its cause, recovers, and ends a lost cluster as lost', async () => {
  const stub = stubActivities();
  let report = healthyReport();
  stub.activities.checkHealth = async () => report;
  await withWorker(stub, async ({ client, taskQueue }) => {
    const h = await startEnv(client, taskQueue, noStepsInput({ ...FAST, healthCheckInterval: 200, fleetSweep: false }));
    await untilStatus(h, (s) => s.phase === 'running' && s.checkedAt !== undefined);
    report = { ...healthyReport(), pools: [{ name: 'default-pool', nodeCount: 3, status: 'RUNNING' }] };
    const degraded = await untilStatus(h, (s) => s.phase === 'degraded');
    assert.match(degraded.drift ?? '', /node pool default-pool has 3 nodes, expected 2 \(resized outside gkeflow\)/);
    // Updates still work on a degraded environment.
    await h.executeUpdate(scaleUpdate, { args: [{ replicas: 2 }] });

    report = healthyReport();
    const back = await untilStatus(h);
    assert.equal(back.drift, undefined);

    report = { cluster: 'MISSING', pools: [] };
    const err = await h.result().then(
      () => assert.fail('a lost environment fails its run'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError);
    assert.ok(err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'EnvironmentLostError');
    assert.match(err.cause.message, /not found .*confirmed by 2 checks/);
    const deletes = stub.calls.filter((c) => c.startsWith('delete'));
    assert.deepEqual(deletes, ['deleteCluster'], 'what lived in the cluster went with it');
    assert.match(err.cause.message, /left: service rc-node \(.*load balancer.*\)/);
    const described = await client.workflow.getHandle(h.workflowId).describe();
    assert.equal(described.typedSearchAttributes.get(SEARCH_ATTRIBUTES.phase), 'lost');
  });
});

void test('a Deployment, Service IP or cluster status gone wrong shows as degraded in status', async () => {
  const stub = stubActivities();
  let report = healthyReport();
  stub.activities.checkHealth = async () => report;
  await withWorker(stub, async ({ client, taskQueue }) => {
    const h = await startEnv(client, taskQueue, noStepsInput({ ...FAST, healthCheckInterval: 200, fleetSweep: false }));
    await untilStatus(h, (s) => s.phase === 'running' && s.checkedAt !== undefined);
    report = {
      ...healthyReport(),
      cluster: 'ERROR',
      kube: {
        nodesReady: 1,
        deployment: { replicas: 2, availableReplicas: 0 },
        serviceIp: '198.51.100.9',
        serviceExists: true,
      },
    };
    const s = await eventually(
      () => h.query(statusQuery),
      (st) => st.phase === 'degraded',
    );
    assert.match(s.drift ?? '', /is ERROR/);
    assert.match(s.drift ?? '', /only 1 of 2 nodes are Ready/);
    assert.match(s.drift ?? '', /0 of 2 replicas available/);
    assert.match(s.drift ?? '', /external IP changed from 203\.0\.113\.7 to 198\.51\.100\.9/);
    await h.executeUpdate(teardownUpdate, { args: [{}] });
    await h.result();
  });
});

void test('image.deleteOnTeardown in the spec deletes the pushed tag', async () => {
  const stub = stubActivities();
  await withWorker(stub, async ({ client, taskQueue }) => {
    const h = await startEnv(
      client,
      taskQueue,
      testInput((d) => {
        d.steps = [];
        (d.image as Record<string, unknown>).deleteOnTeardown = true;
      }),
    );
    await untilStatus(h);
    const r = await h.executeUpdate(teardownUpdate, { args: [{}] });
    assert.deepEqual(r.cleaned, ['service', 'deployment', 'cluster', 'image']);
    await h.result();
  });
});
