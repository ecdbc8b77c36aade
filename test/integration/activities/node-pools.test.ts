/**
 * Node pool shapes on the local cloud (issue 22), through the activities as the worker builds
 * them: the GPU notebook example's pools (one L4 node, Spot) plus a tainted pool on the emulator
 * with a real kwok control plane. GPU nodes carry GKE's capacity, labels and taint; a pod asking
 * for nvidia.com/gpu gets the toleration from the API server's ExtendedResourceToleration
 * admission and runs on the GPU node; Spot nodes carry cloud.google.com/gke-spot=true; a pod
 * tolerating none of the taints stays Pending and the rollout fails with the scheduler's reason.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, type V1Node } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import YAML from 'yaml';
import { activitiesForTarget } from '../../../src/activities/index';
import type { GkeflowActivities } from '../../../src/contract/activities';
import type { TargetConfig } from '../../../src/clients/config';
import { createTargetClients, type TargetClients } from '../../../src/clients/index';
import { envRefOf, validateSpec } from '../../../src/envspec';
import type { RunningEmulator } from '../../../src/emulator';
import { deploymentRequest, ensureClusterInputOf } from '../../../src/workflows/requests';
import { emulator } from '../../helpers/emulator';

const repoRoot = path.join(__dirname, '..', '..', '..');
const doc = YAML.parse(fs.readFileSync(path.join(repoRoot, 'examples/tensorflow-notebook-gpu.yaml'), 'utf8')) as {
  cluster: { name: string; nodePools: Array<Record<string, unknown>> };
};
// The example's GPU pool as Spot, beside a tainted pool instead of the untainted default one.
doc.cluster.name = 'pools';
doc.cluster.nodePools = [
  { ...doc.cluster.nodePools[1], spot: true },
  {
    name: 'tainted',
    machineType: 'e2-small',
    nodeCount: 1,
    taints: [{ key: 'team', value: 'ml', effect: 'NO_SCHEDULE' }],
  },
];
const spec = validateSpec(doc);
const env = envRefOf(spec);
const labels = { 'gkeflow-expires-at': '1900000000' };
const IMAGE = 'tensorflow/tensorflow:2.17.0-gpu-jupyter';
/** A node's taints but Kubernetes' own (node.kubernetes.io/not-ready comes and goes while a node starts). */
const gkeTaints = (n: V1Node | undefined) =>
  (n?.spec?.taints ?? [])
    .filter((t) => !t.key.startsWith('node.kubernetes.io/'))
    .map((t) => `${t.key}=${t.value}:${t.effect}`);

void describe('GPU, Spot and tainted node pools on the local cloud', { timeout: 600_000 }, () => {
  let emu: RunningEmulator;
  let clients: TargetClients;
  let acts: GkeflowActivities;
  let closeActs: (() => Promise<void>) | undefined;
  before(async () => {
    emu = await emulator({
      controlPlane: 'kwok',
      quotas: { gpusPerRegion: 1 },
      delays: { operationPending: 0, createCluster: 200, deleteCluster: 200, lbProvision: 500, lbRelease: 500 },
    });
    const config: TargetConfig = { target: 'local', emulatorAddress: emu.address, registryAddress: '127.0.0.1:1' };
    clients = createTargetClients(config);
    const built = activitiesForTarget(config, { gkePollMs: 100, heartbeatMs: 1000, rolloutTimeoutMs: 20_000 });
    acts = built.activities;
    closeActs = built.close;
    await acts.ensureCluster(ensureClusterInputOf(spec, env, labels));
  });
  after(async () => {
    await acts?.deleteCluster({ env }).catch(() => {});
    await closeActs?.();
    await clients?.close();
    await emu?.stop();
  });

  void it('GPU nodes carry nvidia.com/gpu, GKE’s accelerator labels and taint; Spot nodes the gke-spot label', async () => {
    const kc = await clients.kubeFor(env);
    const nodes = (await kc.makeApiClient(CoreV1Api).listNode()).items;
    const gpu = nodes.find((n) => n.metadata?.labels?.['cloud.google.com/gke-nodepool'] === 'gpu');
    assert.ok(gpu, nodes.map((n) => n.metadata?.name).join());
    assert.equal(gpu.status?.capacity?.['nvidia.com/gpu'], '1');
    assert.equal(gpu.status?.allocatable?.['nvidia.com/gpu'], '1');
    assert.equal(gpu.metadata?.labels?.['cloud.google.com/gke-accelerator'], 'nvidia-l4');
    assert.equal(gpu.metadata?.labels?.['cloud.google.com/gke-gpu-driver-version'], 'latest');
    assert.equal(gpu.metadata?.labels?.['cloud.google.com/gke-spot'], 'true');
    assert.equal(gpu.metadata?.labels?.workload, 'notebook');
    assert.deepEqual(gkeTaints(gpu), ['nvidia.com/gpu=present:NoSchedule']);
    const tainted = nodes.find((n) => n.metadata?.labels?.['cloud.google.com/gke-nodepool'] === 'tainted');
    assert.deepEqual(gkeTaints(tainted), ['team=ml:NoSchedule']);
    assert.equal(tainted?.metadata?.labels?.['cloud.google.com/gke-spot'], undefined);
  });

  void it('the notebook asking for one GPU is tolerated on admission (ExtendedResourceToleration) and runs on the L4 node', async () => {
    const d = deploymentRequest(spec, env, labels, IMAGE);
    assert.deepEqual(await acts.applyDeployment(d), { readyReplicas: 1 });
    const kc = await clients.kubeFor(env);
    const pods = await kc
      .makeApiClient(CoreV1Api)
      .listNamespacedPod({ namespace: 'default', labelSelector: 'app=notebook' });
    const pod = pods.items[0];
    assert.ok(
      pod?.spec?.tolerations?.some(
        (t) => t.key === 'nvidia.com/gpu' && t.operator === 'Exists' && t.effect === 'NoSchedule',
      ),
      JSON.stringify(pod?.spec?.tolerations),
    );
    assert.match(pod?.spec?.nodeName ?? '', /-gpu-/);
  });

  void it('a pod tolerating none of the taints stays Pending: the rollout fails with the scheduler’s reason', async () => {
    const d = { ...deploymentRequest(spec, env, labels, IMAGE), name: 'plain', selector: { app: 'plain' } };
    const plain = {
      ...d,
      nodePool: undefined,
      containers: d.containers.map((c) => ({ ...c, resources: undefined })),
    };
    await assert.rejects(acts.applyDeployment(plain), (e: unknown) => {
      assert.ok(e instanceof ApplicationFailure, String(e));
      assert.equal(e.type, 'RolloutFailedError');
      // Kubernetes 1.36's scheduler words it "2 node(s) had untolerated taint(s)".
      assert.match(
        e.message,
        /^Deployment default\/plain rollout did not finish: pod plain-[-a-z0-9]+ is Pending: 0\/2 nodes are available: 2 node\(s\) had untolerated taint/,
      );
      return true;
    });
  });
});
