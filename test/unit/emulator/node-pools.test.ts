// Node pools as GKE refuses them (issue 22): machine types Compute Engine lacks in a zone, GPUs
// off their family, zone or count, GPU quota (0 in a new project), bad taints; and what a valid
// GPU / Spot / tainted pool looks like in GetCluster.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import type { v1 } from '@google-cloud/container';
import type { RunningEmulator } from '../../../src/emulator';
import { gkeError } from '../../../src/clients/gke-errors';
import { QuotaExceededError } from '../../../src/contract/activity-errors';
import { client, clusterName, emulator, parent, waitOp } from '../../helpers/emulator';

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

type Config = Record<string, unknown>;
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => assert.fail('accepted'),
    (e: { code: number; details: string }) => [e.code, e.details] as const,
  );
const create = (name: string, config: Config, location = 'us-central1-a') =>
  c.createCluster({
    parent: parent(location),
    cluster: { name, nodePools: [{ name: 'p', initialNodeCount: 1, config }] },
  });

void test('a machine type Compute Engine does not have ⇒ INVALID_ARGUMENT "Invalid machine type … GCE_NOT_FOUND" (create and add pool)', async () => {
  assert.deepEqual(await refusal(create('huge', { machineType: 'g9-huge' })), [
    status.INVALID_ARGUMENT,
    'Invalid machine type "g9-huge" in zone "us-central1-a": GCE_NOT_FOUND',
  ]);
  assert.deepEqual(await refusal(create('odd', { machineType: 'e2-standard-3' })), [
    status.INVALID_ARGUMENT,
    'Invalid machine type "e2-standard-3" in zone "us-central1-a": GCE_NOT_FOUND',
  ]);
  // g2 exists, but not in us-central1-f; a regional cluster checks each of its zones.
  assert.deepEqual(await refusal(create('g2f', { machineType: 'g2-standard-4' }, 'us-central1-f')), [
    status.INVALID_ARGUMENT,
    'Invalid machine type "g2-standard-4" in zone "us-central1-f": GCE_NOT_FOUND',
  ]);
  assert.deepEqual(await refusal(create('g2r', { machineType: 'g2-standard-4' }, 'europe-west9')), [
    status.INVALID_ARGUMENT,
    'Invalid machine type "g2-standard-4" in zone "europe-west9-a": GCE_NOT_FOUND',
  ]);
  await waitOp(c, (await create('base', { machineType: 'e2-small' }))[0]);
  assert.deepEqual(
    await refusal(
      c.createNodePool({
        parent: clusterName('base'),
        nodePool: { name: 'huge', initialNodeCount: 1, config: { machineType: 'g9-huge' } },
      }),
    ),
    [status.INVALID_ARGUMENT, 'Invalid machine type "g9-huge" in zone "us-central1-a": GCE_NOT_FOUND'],
  );
  await waitOp(c, (await c.deleteCluster({ name: clusterName('base') }))[0]);
});

const l4 = (count = 1, extra: Config = {}) => ({
  accelerators: [{ acceleratorType: 'nvidia-l4', acceleratorCount: count }],
  ...extra,
});

void test('GPUs only on their family, in their zones, in counts the machine type takes; not on the default machine type', async () => {
  const cases: Array<[string, Config, string, string?]> = [
    [
      'l4-e2',
      l4(1, { machineType: 'e2-standard-4' }),
      '[nvidia-l4, e2-standard-4] features are not compatible for creating instance.',
    ],
    [
      'a100-n1',
      { machineType: 'n1-standard-8', accelerators: [{ acceleratorType: 'nvidia-tesla-a100', acceleratorCount: 1 }] },
      '[nvidia-tesla-a100, n1-standard-8] features are not compatible for creating instance.',
    ],
    [
      'l4-two',
      l4(2, { machineType: 'g2-standard-8' }),
      'The accelerator count "2" is not allowed. The allowed numbers of accelerator "nvidia-l4" to use with machine type "g2-standard-8" are: [1].',
    ],
    [
      't4-three',
      { machineType: 'n1-standard-4', accelerators: [{ acceleratorType: 'nvidia-tesla-t4', acceleratorCount: 3 }] },
      'The accelerator count "3" is not allowed. The allowed numbers of accelerator "nvidia-tesla-t4" to use with machine type "n1-standard-4" are: [1, 2, 4].',
    ],
    [
      't4-zone',
      { machineType: 'n1-standard-4', accelerators: [{ acceleratorType: 'nvidia-tesla-t4', acceleratorCount: 1 }] },
      'Accelerator type "nvidia-tesla-t4" does not exist in zone "us-east5-a".',
      'us-east5-a',
    ],
    ['gpu-default', l4(1), 'Cannot use default machine type (e2-medium) with GPUs; choose a different machine type.'],
    [
      'no-such-gpu',
      { machineType: 'g2-standard-4', accelerators: [{ acceleratorType: 'nvidia-h9000', acceleratorCount: 1 }] },
      'Accelerator type "nvidia-h9000" does not exist in zone "us-central1-a".',
    ],
  ];
  for (const [name, config, message, location] of cases)
    assert.deepEqual(await refusal(create(name, config, location)), [status.INVALID_ARGUMENT, message], name);
});

void test('a new project has no GPU quota: one L4 ⇒ PERMISSION_DENIED "Insufficient regional quota" NVIDIA_L4_GPUS; with quota it runs', async () => {
  const raw = await create('gpu', l4(1, { machineType: 'g2-standard-4' })).then(
    () => assert.fail('accepted'),
    (e: unknown) => e,
  );
  // gkeflow reads it as a quota shortfall (permanent), not as missing IAM permission.
  assert.ok(gkeError(raw, { cluster: 'gpu' }) instanceof QuotaExceededError);
  const [code, details] = [(raw as { code: number }).code, (raw as { details: string }).details];
  assert.equal(code, status.PERMISSION_DENIED);
  assert.match(
    details,
    /^Insufficient regional quota to satisfy request: resource "NVIDIA_L4_GPUS": request requires '1\.0' and is short '1\.0'\. project has a quota of '0\.0' with '0\.0' available\./,
  );
  const rich = await emulator({ quotas: { gpusPerRegion: 1 } });
  const r = client(rich);
  try {
    const [op] = await r.createCluster({
      parent: parent(),
      cluster: {
        name: 'gpu',
        nodePools: [
          {
            name: 'gpu',
            initialNodeCount: 1,
            config: {
              machineType: 'g2-standard-4',
              accelerators: [
                {
                  acceleratorType: 'nvidia-l4',
                  acceleratorCount: 1,
                  gpuDriverInstallationConfig: { gpuDriverVersion: 'LATEST' },
                },
              ],
              spot: true,
              taints: [{ key: 'team', value: 'ml', effect: 'NO_SCHEDULE' }],
            },
          },
        ],
      },
    });
    assert.equal((await waitOp(r, op)).error, null);
    const [got] = await r.getCluster({ name: clusterName('gpu') });
    const config = got.nodePools?.[0]?.config;
    assert.equal(config?.accelerators?.[0]?.acceleratorType, 'nvidia-l4');
    assert.equal(Number(config?.accelerators?.[0]?.acceleratorCount), 1);
    assert.equal(config?.accelerators?.[0]?.gpuDriverInstallationConfig?.gpuDriverVersion, 'LATEST');
    assert.equal(config?.spot, true);
    assert.deepEqual(
      config?.taints?.map((t) => [t.key, t.value, t.effect]),
      [['team', 'ml', 'NO_SCHEDULE']],
    );
    // A second L4 node is over the quota of 1.
    const [code2, details2] = await refusal(
      r.createNodePool({
        parent: clusterName('gpu'),
        nodePool: { name: 'more', initialNodeCount: 1, config: l4(1, { machineType: 'g2-standard-8' }) },
      }),
    );
    assert.equal(code2, status.PERMISSION_DENIED);
    assert.match(details2, /resource "NVIDIA_L4_GPUS": request requires '1\.0' and is short '1\.0'/);
  } finally {
    await r.close();
    await rich.stop();
  }
});

void test('taints take only GKE’s NodeTaint effects', async () => {
  assert.deepEqual(
    await refusal(
      create('taint', { machineType: 'e2-small', taints: [{ key: 'a', value: 'b', effect: 'EFFECT_UNSPECIFIED' }] }),
    ),
    [
      status.INVALID_ARGUMENT,
      'cluster.nodePools[0].config.taints[0].effect: must be NO_SCHEDULE, PREFER_NO_SCHEDULE or NO_EXECUTE (got EFFECT_UNSPECIFIED)',
    ],
  );
});

void test('POST /preempt takes a node of a Spot pool only: a pool that is not Spot ⇒ 409 naming it', async () => {
  await waitOp(c, (await create('ondemand', { machineType: 'e2-small' }))[0]);
  const res = await fetch(`http://127.0.0.1:${emu.adminPort}/preempt`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cluster: clusterName('ondemand', 'us-central1-a'), pool: 'p' }),
  });
  assert.equal(res.status, 409);
  assert.match(((await res.json()) as { error: string }).error, /has no Spot node pool named p to preempt/);
  await waitOp(c, (await c.deleteCluster({ name: clusterName('ondemand', 'us-central1-a') }))[0]);
});
