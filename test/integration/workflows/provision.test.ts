import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { ApplyDeploymentInput } from '../../../src/contract/workload-io';
import type { EnsureClusterInput } from '../../../src/contract/cluster-io';
import type { PushImageInput } from '../../../src/contract/image-io';
import { loadSpecFile, toProvisionInput } from '../../../src/envspec';
import { statusQuery, teardownUpdate } from '../../../src/workflows';
import { eventually, FAST, startEnv, stubActivities, testInput, withWorker } from '../../helpers/workflows';

const PROVISION_ORDER = [
  'ensureRepository',
  'pushImage',
  'ensureCluster',
  'applyDeployment',
  'applyService',
  'waitForExternalIp',
  'probeEndpoint',
  'scaleDeployment',
  'scaleDeployment',
  'resizeNodePool',
];

void test('provisions in the walkthrough order, then serves status while running', async () => {
  const stub = stubActivities();
  const input = testInput();
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startEnv(client, taskQueue, input);
    const status = await eventually(
      () => handle.query(statusQuery),
      (s) => s.phase === 'running',
    );
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
    assert.match(
      (await desc.staticSummary()) ?? '',
      new RegExp(`GKE environment \\*\\*${input.spec.cluster.name}\\*\\* in asia-east1-a`),
    );
    assert.match((await desc.staticDetails()) ?? '', /Plan: scale to 3 → scale to 5 → resize default-pool to 3/);
    const result = await handle.executeUpdate(teardownUpdate, { args: [{}] });
    assert.deepEqual(result.cleaned, ['service', 'deployment', 'cluster']);
    assert.deepEqual(await handle.result(), result);
  });
  assert.deepEqual(stub.calls.slice(PROVISION_ORDER.length), ['deleteService', 'deleteDeployment', 'deleteCluster']);
});

void test('runs the tensorflow example: builtin image pushed, Deployment runs it by digest, walkthrough plan', async () => {
  const spec = loadSpecFile(path.join(__dirname, '..', '..', '..', 'examples', 'tensorflow-notebook.yaml'));
  const input = toProvisionInput(spec, FAST);
  // A cluster name of its own, so this never attaches to an environment another test started.
  input.spec.cluster.name = `tf-${Date.now().toString(36)}`;
  const stub = stubActivities();
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startEnv(client, taskQueue, input);
    await eventually(
      () => handle.query(statusQuery),
      (s) => s.phase === 'running',
    );
    await handle.executeUpdate(teardownUpdate, { args: [{}] });
  });
  const push = stub.inputs.pushImage?.[0] as PushImageInput;
  assert.deepEqual(push.source, { kind: 'builtin', name: 'demo' });
  assert.equal(`${push.repository}:${push.tag}`, 'asia-docker.pkg.dev/gkeflow-demo/notebooks/tensorflow:v1');
  const cluster = stub.inputs.ensureCluster?.[0] as EnsureClusterInput;
  assert.deepEqual(
    cluster.nodePools.map((p) => [p.name, p.machineType, p.nodeCount]),
    [['default-pool', 'e2-small', 2]],
  );
  assert.match(cluster.labels['gkeflow-expires-at'] ?? '', /^\d+$/);
  const deploy = stub.inputs.applyDeployment?.[0] as ApplyDeploymentInput;
  assert.equal(deploy.containers[0]?.image, `asia-docker.pkg.dev/gkeflow-test/repo/app@sha256:${'ab'.repeat(32)}`);
  assert.equal(deploy.name, 'rc-node');
  assert.equal(deploy.replicas, 2);
  assert.deepEqual(
    stub.inputs.scaleDeployment?.map((i) => (i as { replicas: number }).replicas),
    [3, 5],
  );
  assert.deepEqual(stub.inputs.resizeNodePool?.[0], { env: cluster.env, pool: 'default-pool', nodeCount: 3 });
});
