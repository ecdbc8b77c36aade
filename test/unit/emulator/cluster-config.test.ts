// The cluster shapes of issue 22, refused and reported as GKE does: Workload Identity (the
// project's one pool; GKE_METADATA only with it, and by default on its pools), Shared VPC (a host
// project's subnetwork needs both secondary range names), private nodes and the control plane's
// endpoints (the DNS endpoint `gke-….REGION.gke.goog`). Metadata-only emulator, official client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import type { v1 } from '@google-cloud/container';
import type { RunningEmulator } from '../../../src/emulator';
import { client, clusterName, emulator, parent, PROJECT, waitOp } from '../../helpers/emulator';

let emu: RunningEmulator;
let c: v1.ClusterManagerClient;
before(async () => {
  emu = await emulator();
  c = client(emu);
});
after(async () => {
  await c?.close();
  await emu?.stop();
});

type Refusal = { code: number; details: string };
const refused = (p: Promise<unknown>) =>
  p.then(
    () => assert.fail('accepted'),
    (e: unknown) => e as Refusal,
  );
const pool = (name: string, config: Record<string, unknown> = {}) => ({ name, initialNodeCount: 1, config });
const vpcNative = { useIpAliases: true };

void test('Workload Identity: a pool other than PROJECT.svc.id.goog is INVALID_ARGUMENT naming the field', async () => {
  const err = await refused(
    c.createCluster({
      parent: parent(),
      cluster: {
        name: 'wi-bad',
        nodePools: [pool('p')],
        workloadIdentityConfig: { workloadPool: 'other.svc.id.goog' },
      },
    }),
  );
  assert.equal(err.code, status.INVALID_ARGUMENT);
  assert.match(
    err.details,
    /^cluster\.workloadIdentityConfig\.workloadPool: Workload Identity Pool "other\.svc\.id\.goog" is invalid/,
  );
  assert.ok(err.details.includes(`"${PROJECT}.svc.id.goog"`), err.details);
});

void test('Workload Identity: GKE_METADATA on a pool of a cluster without a pool is INVALID_ARGUMENT', async () => {
  const err = await refused(
    c.createCluster({
      parent: parent(),
      cluster: { name: 'wi-nopool', nodePools: [pool('p', { workloadMetadataConfig: { mode: 'GKE_METADATA' } })] },
    }),
  );
  assert.equal(err.code, status.INVALID_ARGUMENT);
  assert.match(
    err.details,
    /^cluster\.nodePools\[0\]\.config\.workloadMetadataConfig\.mode: GKE_METADATA requires Workload Identity/,
  );
});

void test("Workload Identity: the project's pool is reported, and its pools run GKE_METADATA (new pools too)", async () => {
  const workloadPool = `${PROJECT}.svc.id.goog`;
  const [op] = await c.createCluster({
    parent: parent(),
    cluster: { name: 'wi', nodePools: [pool('p')], workloadIdentityConfig: { workloadPool } },
  });
  await waitOp(c, op);
  const [got] = await c.getCluster({ name: clusterName('wi') });
  assert.equal(got.workloadIdentityConfig?.workloadPool, workloadPool);
  assert.equal(got.nodePools?.[0]?.config?.workloadMetadataConfig?.mode, 'GKE_METADATA');
  await waitOp(c, (await c.createNodePool({ parent: clusterName('wi'), nodePool: pool('more') }))[0]);
  const [more] = await c.getNodePool({ name: `${clusterName('wi')}/nodePools/more` });
  assert.equal(more.config?.workloadMetadataConfig?.mode, 'GKE_METADATA');
  // A cluster without Workload Identity refuses GKE_METADATA on a new pool as well.
  const [plain] = await c.createCluster({ parent: parent(), cluster: { name: 'plain', nodePools: [pool('p')] } });
  await waitOp(c, plain);
  const err = await refused(
    c.createNodePool({
      parent: clusterName('plain'),
      nodePool: pool('md', { workloadMetadataConfig: { mode: 'GKE_METADATA' } }),
    }),
  );
  assert.equal(err.code, status.INVALID_ARGUMENT);
  assert.match(err.details, /^nodePool\.config\.workloadMetadataConfig\.mode:/);
});

const HOST_SUBNET = 'projects/host-project/regions/us-central1/subnetworks/shared';

void test("Shared VPC: a host project's subnetwork without both secondary range names is INVALID_ARGUMENT", async () => {
  for (const ranges of [{}, { clusterSecondaryRangeName: 'pods' }]) {
    const err = await refused(
      c.createCluster({
        parent: parent(),
        cluster: {
          name: 'svpc-bad',
          nodePools: [pool('p')],
          network: 'projects/host-project/global/networks/shared',
          subnetwork: HOST_SUBNET,
          ipAllocationPolicy: { ...vpcNative, ...ranges },
        },
      }),
    );
    assert.equal(err.code, status.INVALID_ARGUMENT);
    assert.match(
      err.details,
      /^cluster\.ipAllocationPolicy\.(cluster|services)SecondaryRangeName: the subnetwork belongs to host project host-project \(Shared VPC\)/,
    );
  }
});

void test('Shared VPC: with both range names the cluster is created and reports them', async () => {
  const [op] = await c.createCluster({
    parent: parent(),
    cluster: {
      name: 'svpc',
      nodePools: [pool('p')],
      network: 'projects/host-project/global/networks/shared',
      subnetwork: HOST_SUBNET,
      ipAllocationPolicy: { ...vpcNative, clusterSecondaryRangeName: 'pods', servicesSecondaryRangeName: 'services' },
    },
  });
  await waitOp(c, op);
  const [got] = await c.getCluster({ name: clusterName('svpc') });
  assert.equal(got.subnetwork, HOST_SUBNET);
  assert.equal(got.ipAllocationPolicy?.clusterSecondaryRangeName, 'pods');
  assert.equal(got.ipAllocationPolicy?.servicesSecondaryRangeName, 'services');
});

void test('private control plane: no public endpoint without private nodes; reported endpoints as GKE does', async () => {
  const noPublic = { ipEndpointsConfig: { enablePublicEndpoint: false } };
  const err = await refused(
    c.createCluster({
      parent: parent(),
      cluster: {
        name: 'priv-bad',
        nodePools: [pool('p')],
        ipAllocationPolicy: vpcNative,
        controlPlaneEndpointsConfig: noPublic,
      },
    }),
  );
  assert.equal(err.code, status.INVALID_ARGUMENT);
  assert.match(err.details, /^cluster\.controlPlaneEndpointsConfig\.ipEndpointsConfig\.enablePublicEndpoint:/);
  const [op] = await c.createCluster({
    parent: parent(),
    cluster: {
      name: 'priv',
      nodePools: [pool('p')],
      ipAllocationPolicy: vpcNative,
      privateClusterConfig: { enablePrivateNodes: true },
      controlPlaneEndpointsConfig: { ...noPublic, dnsEndpointConfig: { allowExternalTraffic: true } },
    },
  });
  await waitOp(c, op);
  const [got] = await c.getCluster({ name: clusterName('priv') });
  assert.equal(got.privateClusterConfig?.enablePrivateNodes, true);
  const cpe = got.controlPlaneEndpointsConfig;
  assert.match(cpe?.dnsEndpointConfig?.endpoint ?? '', /^gke-[0-9a-f]{32}-\d{12}\.us-central1\.gke\.goog$/);
  assert.equal(cpe?.dnsEndpointConfig?.allowExternalTraffic, true);
  assert.equal(cpe?.ipEndpointsConfig?.enablePublicEndpoint, false);
  assert.equal(cpe?.ipEndpointsConfig?.publicEndpoint, '');
  // Without a public endpoint, GKE's `endpoint` is the private one.
  assert.equal(got.endpoint, cpe?.ipEndpointsConfig?.privateEndpoint);
});
