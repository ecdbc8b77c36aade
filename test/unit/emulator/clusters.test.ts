// Cluster RPCs through the official client against a metadata-only emulator.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import type { v1 } from '@google-cloud/container';
import type { RunningEmulator } from '../../../src/emulator';
import { client, clusterName, codeOf, emulator, parent, PROJECT, waitOp } from '../../helpers/emulator';

let emu: RunningEmulator;
let c: v1.ClusterManagerClient;

before(async () => {
  emu = await emulator({ quotas: { clustersPerProject: 6, nodesPerProject: 40 } });
  c = client(emu);
});

after(async () => {
  await c.close();
  await emu.stop();
});

async function create(name: string, cluster: Record<string, unknown> = {}, location?: string) {
  const [op] = await c.createCluster({ parent: parent(location), cluster: { name, ...cluster } });
  return waitOp(c, op, location);
}

void test('creates a cluster: the operation goes DONE and the cluster RUNNING with its pools', async () => {
  const [op] = await c.createCluster({
    parent: parent(),
    cluster: {
      name: 'alpha',
      nodePools: [{ name: 'default-pool', initialNodeCount: 2, config: { machineType: 'e2-small' } }],
    },
  });
  assert.equal(op.operationType, 'CREATE_CLUSTER');
  assert.match(op.name ?? '', /^operation-\d+-[0-9a-f]+$/);
  assert.match(op.targetLink ?? '', /\/projects\/gkeflow-test\/locations\/us-central1-a\/clusters\/alpha$/);
  const done = await waitOp(c, op);
  assert.equal(done.error, null);
  const [cl] = await c.getCluster({ name: clusterName('alpha') });
  assert.equal(cl.status, 'RUNNING');
  assert.equal(cl.currentNodeCount, 2);
  assert.equal(cl.nodePools?.[0]?.config?.machineType, 'e2-small');
  assert.equal(cl.nodePools?.[0]?.status, 'RUNNING');
  assert.match(cl.endpoint ?? '', /^192\.0\.2\.\d+$/, 'no control plane: an unreachable TEST-NET endpoint');
});

void test('a cluster without pools gets default-pool with 3 nodes; a regional one gets them in 3 zones', async () => {
  await create('beta');
  const [zonal] = await c.getCluster({ name: clusterName('beta') });
  assert.deepEqual(
    zonal.nodePools?.map((p) => [p.name, p.initialNodeCount]),
    [['default-pool', 3]],
  );
  await create('gamma', { initialNodeCount: 1 }, 'us-central1');
  const [regional] = await c.getCluster({ name: clusterName('gamma', 'us-central1') });
  assert.deepEqual(regional.locations, ['us-central1-a', 'us-central1-b', 'us-central1-c']);
  assert.equal(regional.currentNodeCount, 3);
});

void test('lists clusters in one location and in all (-)', async () => {
  const [zone] = await c.listClusters({ parent: parent() });
  assert.deepEqual(zone.clusters?.map((x) => x.name).sort(), ['alpha', 'beta']);
  const [all] = await c.listClusters({ parent: parent('-') });
  assert.deepEqual(all.clusters?.map((x) => x.name).sort(), ['alpha', 'beta', 'gamma']);
  const [other] = await c.listClusters({ parent: `projects/other-project/locations/-` });
  assert.deepEqual(other.clusters, []);
});

void test('answers ALREADY_EXISTS for a taken name and NOT_FOUND for a missing cluster', async () => {
  assert.equal(await codeOf(c.createCluster({ parent: parent(), cluster: { name: 'alpha' } })), status.ALREADY_EXISTS);
  assert.equal(await codeOf(c.getCluster({ name: clusterName('nope') })), status.NOT_FOUND);
  assert.equal(await codeOf(c.deleteCluster({ name: clusterName('nope') })), status.NOT_FOUND);
});

void test('validates like GKE: names, locations, machine types, node counts, duplicate pools', async () => {
  const bad: Array<[string, Record<string, unknown>, string?]> = [
    ['name with capitals', { name: 'Alpha' }],
    ['trailing hyphen', { name: 'alpha-' }],
    ['name too long', { name: `a${'b'.repeat(40)}` }],
    ['digit first', { name: '1alpha' }],
    [
      'f1-micro (GKE refuses it)',
      { name: 'm', nodePools: [{ name: 'p', initialNodeCount: 1, config: { machineType: 'f1-micro' } }] },
    ],
    [
      'not a machine type name',
      { name: 'm', nodePools: [{ name: 'p', initialNodeCount: 1, config: { machineType: 'E2 Medium' } }] },
    ],
    [
      'a scope that is not a URL',
      { name: 's', nodePools: [{ name: 'p', initialNodeCount: 1, config: { oauthScopes: ['cloud-platform'] } }] },
    ],
    ['bad network', { name: 'w', network: 'Not A Network' }],
    ['negative node count', { name: 'n', nodePools: [{ name: 'p', initialNodeCount: -1 }] }],
    ['absurd node count', { name: 'n', nodePools: [{ name: 'p', initialNodeCount: 2_000_000 }] }],
    [
      'duplicate pools',
      {
        name: 'd',
        nodePools: [
          { name: 'p', initialNodeCount: 1 },
          { name: 'p', initialNodeCount: 1 },
        ],
      },
    ],
    ['bad pool name', { name: 'd', nodePools: [{ name: 'Pool_1', initialNodeCount: 1 }] }],
    ['bad label key', { name: 'l', resourceLabels: { 'Bad Key': 'x' } }],
    ['zone of another region', { name: 'z', locations: ['europe-west1-b'] }],
  ];
  for (const [why, cluster] of bad) {
    const err = await c.createCluster({ parent: parent(), cluster }).then(
      () => assert.fail(`${why}: accepted`),
      (e: { code: number; details: string }) => e,
    );
    assert.equal(err.code, status.INVALID_ARGUMENT, `${why}: ${err.details}`);
    assert.match(
      err.details,
      /cluster\.|nodePools|resourceLabels|locations/,
      `${why}: names the field (${err.details})`,
    );
  }
  assert.equal(
    await codeOf(c.createCluster({ parent: `projects/${PROJECT}/locations/Mars_North`, cluster: { name: 'x' } })),
    status.INVALID_ARGUMENT,
  );
  assert.equal(
    await codeOf(c.createCluster({ parent: 'projects/x/zones/y', cluster: { name: 'x' } })),
    status.INVALID_ARGUMENT,
  );
  assert.equal(await codeOf(c.createCluster({ parent: parent() })), status.INVALID_ARGUMENT, 'missing cluster');
});

void test("quota as GKE answers it: nodes short of Compute Engine quota ⇒ PERMISSION_DENIED 'Insufficient regional quota', too many clusters ⇒ RESOURCE_EXHAUSTED", async () => {
  const err = await c
    .createCluster({ parent: parent(), cluster: { name: 'huge', nodePools: [{ name: 'p', initialNodeCount: 100 }] } })
    .catch((e: { code: number; details: string }) => e);
  assert.equal((err as { code: number }).code, status.PERMISSION_DENIED);
  assert.match(
    (err as { details: string }).details,
    /^Insufficient regional quota to satisfy request: resource "INSTANCES": request requires '100\.0'/,
  );
  await create('q1', { initialNodeCount: 1 });
  await create('q2', { initialNodeCount: 1 });
  await create('q3', { initialNodeCount: 1 });
  const full = await c
    .createCluster({ parent: parent(), cluster: { name: 'q4', initialNodeCount: 1 } })
    .catch((e: { code: number; details: string }) => e);
  assert.equal((full as { code: number }).code, status.RESOURCE_EXHAUSTED);
  assert.match((full as { details: string }).details, /clusters per project/);
  for (const n of ['q1', 'q2', 'q3']) await waitOp(c, (await c.deleteCluster({ name: clusterName(n) }))[0]);
});

void test('sets labels with fingerprints: a stale fingerprint is refused', async () => {
  const [before] = await c.getCluster({ name: clusterName('alpha') });
  const fp = before.labelFingerprint ?? '';
  assert.match(fp, /^[0-9a-f]{16}$/);
  const [op] = await c.setLabels({
    name: clusterName('alpha'),
    resourceLabels: { 'managed-by': 'gkeflow', env: 'test' },
    labelFingerprint: fp,
  });
  assert.equal(op.operationType, 'SET_LABELS');
  await waitOp(c, op);
  const [afterSet] = await c.getCluster({ name: clusterName('alpha') });
  assert.deepEqual(afterSet.resourceLabels, { 'managed-by': 'gkeflow', env: 'test' });
  assert.notEqual(afterSet.labelFingerprint, fp);
  assert.equal(
    await codeOf(c.setLabels({ name: clusterName('alpha'), resourceLabels: { x: 'y' }, labelFingerprint: fp })),
    status.FAILED_PRECONDITION,
  );
  assert.equal(
    await codeOf(c.setLabels({ name: clusterName('alpha'), resourceLabels: { x: 'y' } })),
    status.INVALID_ARGUMENT,
  );
});

void test('updates a cluster (autoscaling, versions, release channel); other fields are UNIMPLEMENTED', async () => {
  const [op] = await c.updateCluster({
    name: clusterName('alpha'),
    update: {
      desiredNodePoolId: 'default-pool',
      desiredNodePoolAutoscaling: { enabled: true, minNodeCount: 1, maxNodeCount: 5 },
      desiredReleaseChannel: { channel: 'STABLE' },
    },
  });
  assert.equal(op.operationType, 'UPDATE_CLUSTER');
  await waitOp(c, op);
  const [cl] = await c.getCluster({ name: clusterName('alpha') });
  assert.equal(cl.nodePools?.[0]?.autoscaling?.maxNodeCount, 5);
  assert.equal(cl.releaseChannel?.channel, 'STABLE');
  assert.equal(
    await codeOf(c.updateCluster({ name: clusterName('alpha'), update: { desiredShieldedNodes: { enabled: true } } })),
    status.UNIMPLEMENTED,
  );
  assert.equal(await codeOf(c.updateCluster({ name: clusterName('alpha'), update: {} })), status.INVALID_ARGUMENT);
  assert.equal(
    await codeOf(
      c.updateCluster({
        name: clusterName('alpha'),
        update: { desiredNodePoolId: 'nope', desiredNodeVersion: 'latest' },
      }),
    ),
    status.INVALID_ARGUMENT,
  );
});

void test('deletes a cluster: STOPPING, then gone', async () => {
  const [op] = await c.deleteCluster({ name: clusterName('beta') });
  assert.equal(op.operationType, 'DELETE_CLUSTER');
  await waitOp(c, op);
  assert.equal(await codeOf(c.getCluster({ name: clusterName('beta') })), status.NOT_FOUND);
});

void test('answers GetServerConfig with versions and channels', async () => {
  const [cfg] = await c.getServerConfig({ name: parent() });
  assert.match(cfg.defaultClusterVersion ?? '', /^1\.36\.1-gke/);
  assert.deepEqual(
    cfg.channels?.map((ch) => ch.channel),
    ['RAPID', 'REGULAR', 'STABLE', 'EXTENDED'],
  );
  assert.equal(await codeOf(c.getServerConfig({ name: 'projects/x' })), status.INVALID_ARGUMENT);
});
