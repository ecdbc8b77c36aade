// The cluster shapes of issue 22, from the spec to the local cloud: a spec with Workload
// Identity, a Shared VPC subnetwork with its secondary ranges, private nodes and a control plane
// reached only through GKE's DNS-based endpoint is validated, turned into ensureCluster's input
// and created on the emulator (metadata only), which reports what GKE would; the worker's kube
// client then connects to the DNS endpoint (resolved to loopback locally), never to the private
// endpoint it could not reach from outside the VPC.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterNameOf, gkeActivities } from '../../../src/activities/gke';
import { kubeForVia, localGkeDns } from '../../../src/clients';
import { createGkeClient, type GkeClient } from '../../../src/clients/gke';
import type { TargetConfig } from '../../../src/clients/config';
import { checkSpec } from '../../../src/envspec';
import { ensureClusterInputOf } from '../../../src/workflows/requests';
import type { EnvRef } from '../../../src/contract/environment-id';
import type { RunningEmulator } from '../../../src/emulator';
import { emulator } from '../../helpers/emulator';
import { baseDoc } from '../envspec/helpers';

let emu: RunningEmulator;
let gke: GkeClient;
let config: TargetConfig;
before(async () => {
  emu = await emulator();
  config = { target: 'local', emulatorAddress: emu.address, registryAddress: '127.0.0.1:1' };
  gke = createGkeClient(config);
});
after(async () => {
  await gke?.close();
  await emu?.stop();
});

const HOST_SUBNET = 'projects/host-project/regions/asia-east1/subnetworks/shared';

function shapedSpec(name: string) {
  const d = baseDoc();
  d.cluster.name = name;
  d.cluster.nodePools.push({ name: 'second', machineType: 'e2-small', nodeCount: 1 });
  Object.assign(d.cluster, {
    workloadIdentity: true,
    network: 'projects/host-project/global/networks/shared',
    subnetwork: HOST_SUBNET,
    clusterSecondaryRangeName: 'pods',
    servicesSecondaryRangeName: 'services',
    privateNodes: true,
    controlPlaneEndpoints: { enablePublicEndpoint: false, allowExternalTraffic: true },
  });
  const r = checkSpec(d);
  assert.ok(r.ok, JSON.stringify(r.ok ? '' : r.issues));
  return r.spec;
}

const envOf = (name: string): EnvRef => ({
  id: `gkeflow/gkeflow-demo/asia-east1-a/${name}`,
  project: 'gkeflow-demo',
  location: 'asia-east1-a',
  cluster: name,
});

void test('Workload Identity, Shared VPC ranges, private nodes and the DNS endpoint: created on the local cloud as GKE reports them', async () => {
  const spec = shapedSpec('shaped');
  const env = envOf('shaped');
  const acts = gkeActivities({ gke, pollMs: 20 });
  await acts.ensureCluster(ensureClusterInputOf(spec, env, { 'gkeflow-expires-at': '1900000000' }));
  const c = await gke.getCluster(clusterNameOf(env));
  assert.equal(c.workloadIdentityConfig?.workloadPool, 'gkeflow-demo.svc.id.goog');
  assert.deepEqual(
    c.nodePools?.map((p) => [p.name, p.config?.workloadMetadataConfig?.mode]),
    [
      ['default-pool', 'GKE_METADATA'],
      ['second', 'GKE_METADATA'],
    ],
  );
  assert.equal(c.subnetwork, HOST_SUBNET);
  assert.equal(c.ipAllocationPolicy?.clusterSecondaryRangeName, 'pods');
  assert.equal(c.ipAllocationPolicy?.servicesSecondaryRangeName, 'services');
  assert.equal(c.privateClusterConfig?.enablePrivateNodes, true);
  assert.equal(c.controlPlaneEndpointsConfig?.ipEndpointsConfig?.enablePublicEndpoint, false);
  assert.equal(c.controlPlaneEndpointsConfig?.dnsEndpointConfig?.allowExternalTraffic, true);
});

void test("the worker's kube client goes to the DNS endpoint, resolved to the emulator's loopback address, not the private endpoint", async () => {
  const env = envOf('shaped');
  const c = await gke.getCluster(clusterNameOf(env));
  const dns = c.controlPlaneEndpointsConfig?.dnsEndpointConfig?.endpoint ?? '';
  assert.match(dns, /^gke-[0-9a-f]{32}-\d{12}\.asia-east1\.gke\.goog(:\d+)?$/);
  // A metadata-only cluster hands out no client certificate: a token stands in for the credentials.
  const tokens = { getAccessToken: () => Promise.resolve('t') } as never;
  const kc = await kubeForVia(gke, tokens, undefined, localGkeDns(config))(env);
  const server = kc.getCurrentCluster()?.server ?? '';
  assert.notEqual(server, `https://${c.endpoint}`, 'the private endpoint is not reachable from outside the VPC');
  assert.equal(server, `https://127.0.0.1${/:\d+$/.exec(dns)?.[0] ?? ''}`);
  // On GKE the name is resolved by DNS and served with a public certificate: no cluster CA.
  const real = await kubeForVia(gke, tokens)(env);
  assert.equal(real.getCurrentCluster()?.server, `https://${dns}`);
});
