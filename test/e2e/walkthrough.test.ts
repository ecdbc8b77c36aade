import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { GkeflowActivities } from '../../src/contract/activities';
import { causeMessages } from '../../src/config/errors';
import { envStatus, startEnvironment } from '../../src/temporal/environments';
import { scaleUpdate, teardownUpdate } from '../../src/contract/messages';
import { startLocalCloud, type ActivityWrapper, type LocalCloud } from '../helpers/local-cloud';
import { E2E_TUNING, exampleSpec, planDone } from '../helpers/walkthrough';

// The walkthrough example, end to end through Temporal, on real local systems. Each test uses
// its own cluster name (its own environment workflow id).
let cloud: LocalCloud;
let wrapper: ActivityWrapper | undefined;
const tuning = E2E_TUNING;

before(async () => {
  cloud = await startLocalCloud(() => wrapper);
});
after(async () => {
  await cloud?.stop();
});

const causeChain = (e: unknown) => causeMessages(e).join(' <- ');

/** Nothing of the environment is left: no cluster in the emulator, no leaked load balancer. */
async function assertNothingLeft(): Promise<void> {
  const { clusters } = await cloud.admin<{ clusters: unknown[] }>('/clusters');
  assert.deepEqual(clusters, [], 'no cluster left');
  const { leaks } = await cloud.admin<{ leaks: unknown[] }>('/leaks');
  assert.deepEqual(leaks, [], 'no leaked load balancer');
}

void test('the walkthrough provisions, scales 3 → 5, resizes to 3 nodes, and tears down leaving nothing', async () => {
  const spec = exampleSpec('walkthrough-e2e');
  const s = await startEnvironment(cloud.client, cloud.cfg, spec, tuning);
  assert.equal(await planDone(cloud.client, s.envId), 'running');
  const st = (await envStatus(cloud.client, s.envId)).status!;
  assert.equal(st.replicas, 5);
  assert.deepEqual(st.poolSizes, { 'default-pool': 3 });
  assert.match(st.endpoint ?? '', /^http:\/\/127\.\d+\.\d+\.\d+:8888$/, 'a loopback load balancer');
  assert.deepEqual(st.probe, { ok: true, status: 200 }, 'the probe ran against it');
  assert.match(
    st.imageReference ?? '',
    new RegExp(
      `^${cloud.registry.address.replace(/\./g, '\\.')}/gkeflow-demo/notebooks/tensorflow@sha256:[0-9a-f]{64}$`,
    ),
  );

  // Starting it again attaches to the same run.
  const again = await startEnvironment(cloud.client, cloud.cfg, spec, tuning);
  assert.equal(again.started, false);
  assert.equal(again.runId, s.runId);

  const handle = cloud.client.workflow.getHandle(s.envId);
  assert.deepEqual(await handle.executeUpdate(scaleUpdate, { args: [{ replicas: 2 }] }), { readyReplicas: 2 });
  const res = await handle.executeUpdate(teardownUpdate, { args: [{ reason: 'e2e' }] });
  assert.deepEqual(res.leftovers, []);
  assert.deepEqual([...res.cleaned].sort(), ['cluster', 'deployment', 'service']);
  await handle.result();
  await assertNothingLeft();

  // No credential ever entered the history: no PEM (plain or base64), no key, no token.
  const decode = (k: string, v: unknown) =>
    k === 'data' && typeof v === 'string'
      ? Buffer.from(v, 'base64').toString('utf8')
      : v instanceof Uint8Array
        ? Buffer.from(v).toString('utf8')
        : v;
  const history = JSON.stringify(await handle.fetchHistory(), decode);
  assert.match(history, /\\"cluster\\":\\"walkthrough-e2e\\"/, 'payloads are decoded (the check below can see them)');
  for (const secret of [
    /BEGIN CERTIFICATE/,
    /PRIVATE KEY/,
    /LS0tLS1CRUdJTi/,
    /Bearer /i,
    /clientKey|clientCertificate|clusterCaCertificate|keyData|certData/,
  ]) {
    assert.doesNotMatch(history, secret, `history holds ${secret}`);
  }
});

// A fault after each step's real work (the resource exists, then the step fails permanently):
// the run fails, and the saga removes exactly what was made.
const steps: Array<keyof GkeflowActivities> = [
  'pushImage',
  'ensureCluster',
  'applyDeployment',
  'applyService',
  'waitForExternalIp',
  'scaleDeployment',
  'resizeNodePool',
];
for (const [i, step] of steps.entries()) {
  void test(`a permanent fault at ${step} fails the run and leaves nothing behind`, async () => {
    const spec = exampleSpec(`fault-${i}-${step.toLowerCase()}`);
    wrapper =
      (name, real) =>
      async (...args) => {
        const out = await real(...args);
        if (name === step)
          throw ApplicationFailure.create({
            type: 'InjectedFaultError',
            message: `injected after ${step}`,
            nonRetryable: true,
          });
        return out;
      };
    try {
      const s = await startEnvironment(cloud.client, cloud.cfg, spec, tuning);
      const err = await cloud.client.workflow
        .getHandle(s.envId)
        .result()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(err instanceof WorkflowFailedError, `the run failed (got ${String(err)})`);
      assert.match(causeChain(err), new RegExp(`injected after ${step}`));
      await assertNothingLeft();
    } finally {
      wrapper = undefined;
    }
  });
}

void test('a cluster whose create operation fails with a quota error fails fast and leaves nothing', async () => {
  await cloud.setFaults([
    {
      rpc: 'CreateCluster',
      code: 'RESOURCE_EXHAUSTED',
      message: 'Insufficient regional quota to satisfy request: resource "CPUS"',
      count: 1,
    },
  ]);
  try {
    const spec = exampleSpec('quota-e2e');
    const s = await startEnvironment(cloud.client, cloud.cfg, spec, tuning);
    const err = await cloud.client.workflow
      .getHandle(s.envId)
      .result()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof WorkflowFailedError);
    assert.match(causeChain(err), /quota/i);
    await assertNothingLeft();
  } finally {
    await cloud.setFaults([]);
  }
});

void test('transient GKE errors (UNAVAILABLE, incompatible operation) are retried and the run succeeds', async () => {
  await cloud.setFaults([
    { rpc: 'CreateCluster', code: 'UNAVAILABLE', count: 2 },
    {
      rpc: 'SetNodePoolSize',
      code: 'FAILED_PRECONDITION',
      message: 'Cluster is running incompatible operation operation-1',
      count: 1,
    },
  ]);
  try {
    const spec = exampleSpec('transient-e2e');
    const s = await startEnvironment(cloud.client, cloud.cfg, spec, tuning);
    assert.equal(await planDone(cloud.client, s.envId), 'running');
    await cloud.client.workflow.getHandle(s.envId).executeUpdate(teardownUpdate, { args: [{ reason: 'e2e' }] });
    await assertNothingLeft();
  } finally {
    await cloud.setFaults([]);
  }
});
