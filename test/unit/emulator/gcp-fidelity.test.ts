// The emulator refuses what GKE refuses (issue 9): a delete during another operation, a create
// short of regional quota, regional node counts per zone, scopes, new regions and machine types.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import type { v1 } from '@google-cloud/container';
import { resolveSettings, scaled } from '../../../src/emulator/settings';
import { parseEmulatorArgs } from '../../../src/emulator/standalone-options';
import type { RunningEmulator } from '../../../src/emulator';
import { client, clusterName, codeOf, emulator, parent, waitOp } from '../../helpers/emulator';

let emu: RunningEmulator;
let c: v1.ClusterManagerClient;
before(async () => {
  // A new project's regional quotas: 24 vCPUs, 500 GB of SSD (pd-balanced boot disks).
  emu = await emulator({ quotas: { cpusPerRegion: 24, ssdGbPerRegion: 500 } });
  c = client(emu);
});
after(async () => {
  await c?.close();
  await emu?.stop();
});

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

void test("DeleteCluster while the create runs ⇒ FAILED_PRECONDITION 'Cluster is running incompatible operation'", async () => {
  const slow = await emulator({ delays: { operationPending: 0, createCluster: 2000, deleteCluster: 0 } });
  const s = client(slow);
  try {
    const [create] = await s.createCluster({ parent: parent(), cluster: { name: 'busy', initialNodeCount: 1 } });
    const err = await s
      .deleteCluster({ name: clusterName('busy') })
      .then(() => assert.fail('accepted'))
      .catch((e: { code: number; details: string }) => e);
    assert.equal(err.code, status.FAILED_PRECONDITION);
    assert.equal(err.details, `Cluster is running incompatible operation ${create.name}.`);
    await waitOp(s, create);
    await waitOp(s, (await s.deleteCluster({ name: clusterName('busy') }))[0]);
  } finally {
    await s.close();
    await slow.stop();
  }
});

void test('a regional cluster counts its nodes per zone: 3 per zone is 9 nodes, 900 GB, over a new project’s 500 GB', async () => {
  const region = 'us-central1';
  const err = await c
    .createCluster({
      parent: parent(region),
      cluster: { name: 'regional', nodePools: [{ name: 'p', initialNodeCount: 3, config: { diskSizeGb: 100 } }] },
    })
    .then(() => assert.fail('accepted'))
    .catch((e: { code: number; details: string }) => e);
  assert.equal(err.code, status.PERMISSION_DENIED);
  assert.match(
    err.details,
    /^Insufficient regional quota to satisfy request: resource "SSD_TOTAL_GB": request requires '900\.0' and is short '400\.0'\. project has a quota of '500\.0' with '500\.0' available\./,
  );
  // One per zone fits: 3 nodes, 300 GB, reported as 3 nodes in 3 zones.
  const [op] = await c.createCluster({
    parent: parent(region),
    cluster: { name: 'regional', nodePools: [{ name: 'p', initialNodeCount: 1, config: { diskSizeGb: 100 } }] },
  });
  await waitOp(c, op, region);
  const [got] = await c.getCluster({ name: clusterName('regional', region) });
  assert.equal(got.locations?.length, 3);
  assert.equal(got.nodePools?.[0]?.initialNodeCount, 1);
  assert.equal(got.currentNodeCount, 3);
  // A resize is per zone too: 2 per zone is 3 more nodes, 300 GB more, beyond the 200 GB left.
  assert.equal(
    await codeOf(c.setNodePoolSize({ name: `${clusterName('regional', region)}/nodePools/p`, nodeCount: 2 })),
    status.PERMISSION_DENIED,
  );
  await waitOp(c, (await c.deleteCluster({ name: clusterName('regional', region) }))[0], region);
});

void test('node pools keep the OAuth scopes and service account asked for; none asked ⇒ logging and monitoring only', async () => {
  const [op] = await c.createCluster({
    parent: parent(),
    cluster: {
      name: 'scopes',
      nodePools: [
        { name: 'bare', initialNodeCount: 1 },
        {
          name: 'full',
          initialNodeCount: 1,
          config: {
            oauthScopes: [CLOUD_PLATFORM],
            serviceAccount: 'gke-gke-nodes@gkeflow-test.iam.gserviceaccount.com',
          },
        },
      ],
    },
  });
  await waitOp(c, op);
  const [got] = await c.getCluster({ name: clusterName('scopes') });
  const pool = (n: string) => got.nodePools?.find((p) => p.name === n)?.config;
  assert.deepEqual(pool('bare')?.oauthScopes, [
    'https://www.googleapis.com/auth/logging.write',
    'https://www.googleapis.com/auth/monitoring',
  ]);
  assert.equal(pool('bare')?.serviceAccount, 'default');
  assert.deepEqual(pool('full')?.oauthScopes, [CLOUD_PLATFORM]);
  assert.equal(pool('full')?.serviceAccount, 'gke-gke-nodes@gkeflow-test.iam.gserviceaccount.com');
  await waitOp(c, (await c.deleteCluster({ name: clusterName('scopes') }))[0]);
});

void test('new regions and machine types are served; EXTENDED, alias IPs and a named network are kept', async () => {
  for (const [location, machineType] of [
    ['us-east5', 'e2-standard-2'],
    ['me-central1-a', 'n2-highmem-2'],
    ['europe-west9-b', 'c3-standard-4'],
  ] as const) {
    const [op] = await c.createCluster({
      parent: parent(location),
      cluster: {
        name: 'newer',
        releaseChannel: { channel: 'EXTENDED' },
        ipAllocationPolicy: { useIpAliases: true },
        network: 'prod-vpc',
        subnetwork: `projects/gkeflow-test/regions/${location.replace(/-[a-z]$/, '')}/subnetworks/nodes`,
        nodePools: [{ name: 'p', initialNodeCount: 1, config: { machineType } }],
      },
    });
    assert.equal((await waitOp(c, op, location)).error, null, `${location} ${machineType}`);
    const [got] = await c.getCluster({ name: clusterName('newer', location) });
    assert.equal(got.releaseChannel?.channel, 'EXTENDED');
    assert.equal(got.ipAllocationPolicy?.useIpAliases, true);
    assert.equal(got.network, 'prod-vpc');
    assert.match(got.subnetwork ?? '', /subnetworks\/nodes$/);
    await waitOp(c, (await c.deleteCluster({ name: clusterName('newer', location) }))[0], location);
  }
});

void test('a location GCP does not have ⇒ INVALID_ARGUMENT \'Location "…" does not exist.\' from GetServerConfig and CreateCluster', async () => {
  const refusal = async (p: Promise<unknown>) =>
    p.then(
      () => assert.fail('accepted'),
      (e: { code: number; details: string }) => [e.code, e.details],
    );
  // Well formed, but no such region (us-north1) or zone (us-central1-z, europe-west1-a).
  for (const location of ['us-north1', 'us-central1-z', 'europe-west1-a']) {
    const want = [status.INVALID_ARGUMENT, `Location "${location}" does not exist.`];
    assert.deepEqual(await refusal(c.getServerConfig({ name: parent(location) })), want, location);
    assert.deepEqual(
      await refusal(c.createCluster({ parent: parent(location), cluster: { name: 'nowhere', initialNodeCount: 1 } })),
      want,
      location,
    );
  }
  // Every zone of a real region, and the region, are served (us-central1 has a, b, c and f).
  for (const location of ['us-central1', 'us-central1-f', 'europe-west1-d', 'northamerica-south1-a', 'africa-south1']) {
    const [cfg] = await c.getServerConfig({ name: parent(location) });
    assert.ok(cfg.validMasterVersions?.length, location);
  }
  // The deprecated projectId/zone form is checked the same way.
  assert.deepEqual(await refusal(c.getServerConfig({ projectId: 'gkeflow-test', zone: 'mars-east1-a' })), [
    status.INVALID_ARGUMENT,
    'Location "mars-east1-a" does not exist.',
  ]);
});

void test('the gke delay profile has GKE’s durations (create 5 min, delete 3 min, resize 2 min, LB 60 s) and --speed divides them', async () => {
  const s = resolveSettings({ stateDir: '/unused', profile: 'gke', speed: 60 });
  assert.deepEqual(
    [scaled(s, 'createCluster'), scaled(s, 'deleteCluster'), scaled(s, 'setNodePoolSize'), scaled(s, 'lbProvision')],
    [5000, 3000, 2000, 1000],
  );
  const o = parseEmulatorArgs(['--profile', 'gke', '--speed', '600', '--delays', '{"setLabels":0}'], {});
  assert.equal(o.profile, 'gke');
  assert.equal(o.speed, 600);
  assert.throws(() => parseEmulatorArgs(['--profile', 'slow'], {}), /--profile: unknown delay profile 'slow'/);
  assert.equal(parseEmulatorArgs([], { GKEFLOW_EMULATOR_PROFILE: 'gke' }).profile, 'gke');
  // A create at speed 600 takes GKE's 5 minutes / 600 = 0.5 s.
  const fast = await emulator({ profile: 'gke', speed: 600, delays: undefined });
  const f = client(fast);
  try {
    const t0 = Date.now();
    await waitOp(f, (await f.createCluster({ parent: parent(), cluster: { name: 'timed', initialNodeCount: 1 } }))[0]);
    assert.ok(Date.now() - t0 >= 500, `create took ${Date.now() - t0} ms`);
  } finally {
    await f.close();
    await fast.stop();
  }
});
