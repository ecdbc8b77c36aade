/**
 * A private control plane on the local cloud (issue 22), with a real kwok control plane: no
 * public endpoint, private nodes, the DNS-based endpoint open to external traffic. GetCluster's
 * `endpoint` is the private address (where nothing listens); the worker's clients, built as the
 * worker builds them, reach the Kubernetes API through the DNS endpoint resolved to loopback,
 * and tear the cluster down through it (its load balancers released first).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { clusterNameOf, gkeActivities } from '../../../src/activities/gke';
import type { EnvRef } from '../../../src/contract/environment-id';
import type { TargetConfig } from '../../../src/clients/config';
import { createTargetClients, type TargetClients } from '../../../src/clients/index';
import type { RunningEmulator } from '../../../src/emulator';
import { emulator } from '../../helpers/emulator';

const env: EnvRef = {
  id: 'gkeflow/demo-project/asia-east1-a/private-cp',
  project: 'demo-project',
  location: 'asia-east1-a',
  cluster: 'private-cp',
};

void describe(
  'a private control plane reached through its DNS endpoint (emulator + kwok)',
  { timeout: 600_000 },
  () => {
    let emu: RunningEmulator;
    let clients: TargetClients;
    let acts: ReturnType<typeof gkeActivities>;
    before(async () => {
      emu = await emulator({
        controlPlane: 'kwok',
        delays: { operationPending: 0, createCluster: 200, deleteCluster: 200, lbProvision: 500, lbRelease: 500 },
      });
      const config: TargetConfig = { target: 'local', emulatorAddress: emu.address, registryAddress: '127.0.0.1:1' };
      clients = createTargetClients(config);
      acts = gkeActivities({ gke: clients.gke, kubeFor: clients.kubeFor, pollMs: 100 });
    });
    after(async () => {
      await clients?.close();
      await emu?.stop();
    });

    void it('creates it, lists its nodes through gke-….gke.goog (not the private endpoint), and deletes it', async () => {
      const created = await acts.ensureCluster({
        env,
        labels: { 'gkeflow-expires-at': '1900000000' },
        nodePools: [{ name: 'default-pool', machineType: 'e2-small', nodeCount: 2 }],
        workloadIdentity: true,
        privateNodes: true,
        controlPlaneEndpoints: { enablePublicEndpoint: false, allowExternalTraffic: true },
      });
      assert.equal(created.status, 'RUNNING');
      const c = await clients.gke.getCluster(clusterNameOf(env));
      const dns = c.controlPlaneEndpointsConfig?.dnsEndpointConfig?.endpoint ?? '';
      assert.match(dns, /^gke-[0-9a-f]{32}-\d{12}\.asia-east1\.gke\.goog:\d+$/);
      assert.equal(c.endpoint, c.controlPlaneEndpointsConfig?.ipEndpointsConfig?.privateEndpoint);
      const kc = await clients.kubeFor(env);
      assert.equal(kc.getCurrentCluster()?.server, `https://127.0.0.1${/:\d+$/.exec(dns)?.[0]}`);
      const nodes = await kc.makeApiClient(CoreV1Api).listNode();
      assert.equal(nodes.items.length, 2);
      assert.deepEqual(await acts.deleteCluster({ env }), { deleted: true });
    });
  },
);
