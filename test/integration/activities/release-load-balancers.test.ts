// deleteCluster releases every LoadBalancer Service of the cluster (all namespaces, gkeflow's or
// not) before GKE deletes it: GKE does not release a deleted cluster's forwarding rules, so the
// emulator records any Service left at delete time as a leaked load balancer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { clusterNameOf, gkeActivities } from '../../../src/activities/gke';
import { clusterStatus } from '../../../src/activities/gke-operations';
import type { EnvRef } from '../../../src/contract/environment-id';
import { createGkeClient, type GkeClient } from '../../../src/clients/gke';
import { kubeForVia } from '../../../src/clients/index';
import { ZERO_DELAYS, type RunningEmulator } from '../../../src/emulator';
import { ensureToolchain } from '../../../src/toolchain/toolchain';
import { emulator } from '../../helpers/emulator';

const envOf = (cluster: string): EnvRef => ({
  id: `gkeflow/demo-project/asia-east1-a/${cluster}`,
  project: 'demo-project',
  location: 'asia-east1-a',
  cluster,
});

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const lbService = (name: string) => ({
  metadata: { name },
  spec: { type: 'LoadBalancer' as const, selector: { app: name }, ports: [{ port: 80 }] },
});

void describe('deleteCluster releases the load balancers of the cluster first', { timeout: 300_000 }, () => {
  let emu: RunningEmulator;
  let gke: GkeClient;
  let kubeFor: (env: EnvRef) => Promise<KubeConfig>;
  before(async () => {
    await ensureToolchain({ only: ['kubernetes', 'etcd', 'kwok'] });
    emu = await emulator({ controlPlane: 'kwok', delays: { ...ZERO_DELAYS, lbProvision: 300, lbRelease: 800 } });
    gke = createGkeClient({ target: 'local', emulatorAddress: emu.address, registryAddress: '127.0.0.1:1' });
    kubeFor = kubeForVia(gke, undefined);
  });
  after(async () => {
    await gke?.close();
    await emu?.stop();
  });

  const leaks = async () =>
    ((await (await fetch(`http://127.0.0.1:${emu.adminPort}/leaks`)).json()) as { leaks: unknown[] }).leaks;

  void it('an orphan with a LoadBalancer Service made by hand in another namespace ⇒ released, no leak', async () => {
    const env = envOf('orphan-lb');
    const acts = gkeActivities({ gke, kubeFor, pollMs: 50 });
    await acts.ensureCluster({
      env,
      labels: { 'gkeflow-expires-at': '1900000000' },
      nodePools: [{ name: 'default-pool', machineType: 'e2-small', nodeCount: 1 }],
    });
    const core = (await kubeFor(env)).makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'someone-else' } } });
    await core.createNamespacedService({ namespace: 'someone-else', body: lbService('by-hand') });
    await core.createNamespacedService({ namespace: 'default', body: lbService('web') });
    await waitFor('both external IPs', async () => {
      const all = await core.listServiceForAllNamespaces();
      const ips = all.items.filter((s) => s.status?.loadBalancer?.ingress?.[0]?.ip);
      return ips.length === 2 ? true : undefined;
    });
    const started = Date.now();
    assert.deepEqual(await acts.deleteCluster({ env }), { deleted: true });
    assert.deepEqual(await leaks(), [], "the emulator's leak report is empty");
    assert.ok(Date.now() - started >= 700, 'waited for the load balancers to be released');
    assert.deepEqual(await acts.deleteCluster({ env }), { deleted: false });
  });

  void it('a control plane that cannot be asked ⇒ the cluster is kept (fail closed), and nothing leaks', async () => {
    const env = envOf('unaskable');
    const acts = gkeActivities({ gke, kubeFor, pollMs: 50 });
    await acts.ensureCluster({
      env,
      labels: { 'gkeflow-expires-at': '1900000000' },
      nodePools: [{ name: 'default-pool', machineType: 'e2-small', nodeCount: 1 }],
    });
    const blind = gkeActivities({ gke, kubeFor: () => Promise.reject(new Error('API unreachable')), pollMs: 50 });
    await assert.rejects(blind.deleteCluster({ env }), /API unreachable/);
    assert.equal(clusterStatus((await gke.getCluster(clusterNameOf(env))).status), 'RUNNING');
    assert.deepEqual(await acts.deleteCluster({ env }), { deleted: true });
    assert.deepEqual(await leaks(), []);
  });
});
