// What GKE puts on a pool's nodes (issue 22), as the kwok runtime makes them: GPU capacity,
// accelerator and driver labels and GKE's GPU taint; Spot labels and no Spot taint; the pool's taints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeNames } from '../../../src/emulator/runtime/kwok-runtime';
import { kwokNodeManifest } from '../../../src/emulator/runtime/kwok-nodes';
import type { ClusterRecord, PoolRecord } from '../../../src/emulator/store/store';

const cluster = { project: 'p', location: 'us-central1-a', cluster: 'c' } as ClusterRecord;
const pool = (extra: Partial<PoolRecord>): PoolRecord =>
  ({
    name: 'gpu',
    machineType: 'g2-standard-4',
    diskSizeGb: 100,
    imageType: 'COS_CONTAINERD',
    labels: { workload: 'notebook' },
    nodeCount: 1,
    locations: ['us-central1-a'],
    status: 'RUNNING',
    version: 'v',
    createTime: '',
    ...extra,
  }) as PoolRecord;

void test('a GPU Spot pool’s node: nvidia.com/gpu capacity, accelerator/driver/Spot labels, only GKE’s GPU taint', () => {
  const [spec] = nodeNames(
    cluster,
    pool({ accelerators: [{ type: 'nvidia-l4', count: 1, gpuDriverVersion: 'LATEST' }], spot: true }),
  );
  const node = kwokNodeManifest(spec!);
  assert.equal(node.status?.capacity?.['nvidia.com/gpu'], '1');
  assert.equal(node.status?.allocatable?.['nvidia.com/gpu'], '1');
  assert.equal(node.status?.capacity?.cpu, '4');
  assert.equal(node.status?.capacity?.memory, '16384Mi');
  const l = node.metadata?.labels ?? {};
  assert.equal(l['cloud.google.com/gke-accelerator'], 'nvidia-l4');
  assert.equal(l['cloud.google.com/gke-gpu-driver-version'], 'latest');
  assert.equal(l['cloud.google.com/gke-spot'], 'true');
  assert.equal(l['cloud.google.com/gke-nodepool'], 'gpu');
  assert.equal(l.workload, 'notebook');
  assert.deepEqual(node.spec?.taints, [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }]);
});

void test('a plain pool’s node has no taint; a tainted pool’s taints in Kubernetes’ spelling', () => {
  const [plain] = nodeNames(cluster, pool({ name: 'default-pool', machineType: 'e2-small' }));
  assert.deepEqual(kwokNodeManifest(plain!).spec, {});
  assert.equal(kwokNodeManifest(plain!).metadata?.labels?.['cloud.google.com/gke-spot'], undefined);
  const [tainted] = nodeNames(
    cluster,
    pool({
      machineType: 'e2-small',
      taints: [
        { key: 'team', value: 'ml', effect: 'NO_SCHEDULE' },
        { key: 'batch', value: '', effect: 'PREFER_NO_SCHEDULE' },
        { key: 'drain', value: 'now', effect: 'NO_EXECUTE' },
      ],
    }),
  );
  assert.deepEqual(kwokNodeManifest(tainted!).spec?.taints, [
    { key: 'team', value: 'ml', effect: 'NoSchedule' },
    { key: 'batch', value: '', effect: 'PreferNoSchedule' },
    { key: 'drain', value: 'now', effect: 'NoExecute' },
  ]);
});
