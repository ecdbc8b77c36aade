// Node pool shapes in the spec (issue 22): GPUs with GKE's driver installation, Spot, taints and
// labels; how they reach GKE's NodeConfig; bad forms refused naming the field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClusterRequestOf } from '../../../src/activities/gke';
import { checkSpec } from '../../../src/envspec';
import { ensureClusterInputOf } from '../../../src/workflows/requests';
import { baseDoc, issuesOf } from './helpers';

const env = {
  id: 'gkeflow/gkeflow-demo/asia-east1-a/demo',
  project: 'gkeflow-demo',
  location: 'asia-east1-a',
  cluster: 'demo',
};

void test('a GPU, Spot, tainted pool reaches GKE as NodeConfig accelerators (driver DEFAULT unless told), spot, taints and labels', () => {
  const d = baseDoc();
  d.cluster.nodePools.push({
    name: 'gpu',
    machineType: 'g2-standard-4',
    nodeCount: 1,
    accelerators: [{ type: 'nvidia-l4', count: 1 }],
    spot: true,
    taints: [
      { key: 'team', value: 'ml', effect: 'NO_SCHEDULE' },
      { key: 'batch', effect: 'PREFER_NO_SCHEDULE' },
    ],
    labels: { workload: 'notebook' },
  });
  const r = checkSpec(d);
  assert.ok(r.ok, JSON.stringify(r.ok ? '' : r.issues));
  const pools = createClusterRequestOf(ensureClusterInputOf(r.spec, env, {})).nodePools ?? [];
  assert.equal(pools[0]?.config?.accelerators, undefined, 'a plain pool asks for nothing new');
  assert.equal(pools[0]?.config?.spot, undefined);
  const gpu = pools[1]?.config;
  assert.deepEqual(gpu?.accelerators, [
    { acceleratorType: 'nvidia-l4', acceleratorCount: 1, gpuDriverInstallationConfig: { gpuDriverVersion: 'DEFAULT' } },
  ]);
  assert.equal(gpu?.spot, true);
  assert.deepEqual(gpu?.taints, [
    { key: 'team', value: 'ml', effect: 'NO_SCHEDULE' },
    { key: 'batch', value: '', effect: 'PREFER_NO_SCHEDULE' },
  ]);
  assert.deepEqual(gpu?.labels, { workload: 'notebook' });
});

void test('refuses a taint effect GKE does not have, a bad driver version, a zero count and two GPU types, naming each field', () => {
  const d = baseDoc();
  d.cluster.nodePools[0].taints = [{ key: 'a', value: 'b', effect: 'NoSchedule' }];
  d.cluster.nodePools[0].accelerators = [{ type: 'nvidia-l4', count: 0, gpuDriverVersion: 'NEWEST' }];
  assert.deepEqual(
    issuesOf(d)
      .map((i) => i.path)
      .sort(),
    [
      'cluster.nodePools[0].accelerators[0].count',
      'cluster.nodePools[0].accelerators[0].gpuDriverVersion',
      'cluster.nodePools[0].taints[0].effect',
    ],
  );
  const two = baseDoc();
  two.cluster.nodePools[0].accelerators = [
    { type: 'nvidia-l4', count: 1 },
    { type: 'nvidia-tesla-t4', count: 1 },
  ];
  assert.deepEqual(
    issuesOf(two).map((i) => [i.path, i.message]),
    [['cluster.nodePools[0].accelerators', 'GKE takes one accelerator type per node pool']],
  );
});
