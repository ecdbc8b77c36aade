import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clusterLabelActivities } from '../../../src/activities/cluster-labels';
import { clusterNameOf, gkeActivities } from '../../../src/activities/gke';
import { healthActivities } from '../../../src/activities/health';
import type { EnvRef } from '../../../src/contract/environment-id';
import { kubeForVia } from '../../../src/clients';
import { createGkeClient, type GkeClient } from '../../../src/clients/gke';
import { envHash } from '../../../src/contract/labels';
import type { RunningEmulator } from '../../../src/emulator';
import { emulator } from '../../helpers/emulator';

const envOf = (cluster: string): EnvRef => ({
  id: `gkeflow/demo-project/asia-east1-a/${cluster}`,
  project: 'demo-project',
  location: 'asia-east1-a',
  cluster,
});
const FAST = { operationPending: 0, createCluster: 50, deleteCluster: 50, setNodePoolSize: 50, setLabels: 20 };

void describe('setClusterLabels and checkHealth against the GKE emulator (no control plane)', () => {
  let emu: RunningEmulator;
  let gke: GkeClient;
  let stateDir: string;
  let gkeActs: ReturnType<typeof gkeActivities>;
  let labels: ReturnType<typeof clusterLabelActivities>;
  let health: ReturnType<typeof healthActivities>;
  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-emu-'));
    emu = await emulator({ stateDir, delays: FAST });
    gke = createGkeClient({ target: 'local', emulatorAddress: emu.address, registryAddress: '127.0.0.1:1' });
    gkeActs = gkeActivities({ gke, pollMs: 20 });
    labels = clusterLabelActivities({ gke, pollMs: 20 });
    health = healthActivities({ gke, kubeFor: kubeForVia(gke, undefined) });
  });
  after(async () => {
    await gke?.close();
    await emu?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  const create = (env: EnvRef) =>
    gkeActs.ensureCluster({
      env,
      labels: { 'gkeflow-expires-at': '1900000000', team: 'a' },
      nodePools: [{ name: 'default-pool', machineType: 'e2-small', nodeCount: 2 }],
    });

  void it('rewrites the expiry label through SetLabels (with the fingerprint), keeping every other label', async () => {
    const env = envOf('relabel');
    await create(env);
    const before = await gke.getCluster(clusterNameOf(env));
    await labels.setClusterLabels({ env, labels: { 'gkeflow-expires-at': '1999999999' } });
    const after = await gke.getCluster(clusterNameOf(env));
    assert.equal(after.resourceLabels?.['gkeflow-expires-at'], '1999999999');
    assert.equal(after.resourceLabels?.team, 'a');
    assert.equal(after.resourceLabels?.['gkeflow-env'], envHash(env.id));
    assert.notEqual(after.labelFingerprint, before.labelFingerprint);
    // The same labels again: nothing to do, no operation.
    await labels.setClusterLabels({ env, labels: { 'gkeflow-expires-at': '1999999999' } });
    assert.equal((await gke.getCluster(clusterNameOf(env))).labelFingerprint, after.labelFingerprint);
  });

  void it("refuses to relabel a cluster without the environment's label", async () => {
    const env = envOf('not-mine');
    await create(env);
    const other: EnvRef = { ...env, id: 'gkeflow/someone/else/not-mine' };
    await assert.rejects(labels.setClusterLabels({ env: other, labels: { 'gkeflow-expires-at': '1' } }), {
      name: 'NameTakenError',
    });
  });

  void it('reports the cluster and its pools, says why Kubernetes was not checked, and MISSING once deleted', async () => {
    const env = envOf('checked');
    await create(env);
    const input = { env, namespace: 'default', deployment: 'web', service: 'web' };
    const r = await health.checkHealth(input);
    assert.equal(r.cluster, 'RUNNING');
    assert.deepEqual(r.pools, [{ name: 'default-pool', nodeCount: 2, status: 'RUNNING' }]);
    assert.equal(r.kube, undefined);
    assert.ok(r.kubeUnchecked, 'no control plane: the Kubernetes side is unchecked, with a reason');
    await gke.setNodePoolSize(`${clusterNameOf(env)}/nodePools/default-pool`, 3);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal((await health.checkHealth(input)).pools[0]?.nodeCount, 3);
    await gkeActs.deleteCluster({ env });
    assert.deepEqual(await health.checkHealth(input), { cluster: 'MISSING', pools: [] });
  });
});
