// `up`/`plan` check a spec's machine and accelerator types against Compute Engine's machineTypes
// and acceleratorTypes API in the spec's zones (issue 22), here as the emulator serves it on its
// admin port: refused ⇒ SpecValidationError naming the field (exit 2, nothing started);
// unreachable ⇒ one warning.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkSpecWithCompute } from '../../../src/cli/compute-preflight';
import { computeBaseUrl, computeGetVia } from '../../../src/clients/compute';
import { targetConfigFromEnv } from '../../../src/clients/config';
import type { RunningEmulator } from '../../../src/emulator';
import { SpecValidationError, validateSpec, type EnvironmentSpec } from '../../../src/envspec';
import { freePort } from '../../../src/process/process';
import { emulator } from '../../helpers/emulator';

let emu: RunningEmulator;
before(async () => {
  emu = await emulator();
});
after(async () => {
  await emu?.stop();
});

const admin = () => `http://127.0.0.1:${emu.adminPort}/compute/v1`;
const get = async (path: string) => {
  const res = await fetch(`${admin()}/${path}`);
  return [res.status, (await res.json()) as Record<string, unknown>] as const;
};

function spec(location: string, pool: Record<string, unknown>): EnvironmentSpec {
  return validateSpec({
    apiVersion: 'gkeflow/v1',
    kind: 'Environment',
    project: 'gkeflow-test',
    location,
    cluster: {
      name: 'types',
      nodePools: [
        { name: 'default-pool', machineType: 'e2-small', nodeCount: 1 },
        { name: 'p', nodeCount: 1, ...pool },
      ],
    },
    image: { source: 'builtin:demo' },
    deployment: { name: 'web', containers: [{ name: 'web', image: '$image', ports: [8080] }] },
    service: { ports: [{ port: 80, targetPort: 8080 }] },
  });
}

const refusedPaths = async (s: EnvironmentSpec) => {
  const warnings: string[] = [];
  const get = computeGetVia(targetConfigFromEnv({ GKEFLOW_TARGET: 'local' }), 5000, admin());
  try {
    await checkSpecWithCompute(s, 'env.yaml', { get, warn: (l) => warnings.push(l) });
  } catch (e) {
    assert.ok(e instanceof SpecValidationError, String(e));
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.deepEqual(warnings, []);
  return [];
};

void test('the emulator serves machineTypes and acceleratorTypes get/list as Compute Engine does', async () => {
  const [ok, g2] = await get('projects/gkeflow-test/zones/us-central1-a/machineTypes/g2-standard-4');
  assert.equal(ok, 200);
  assert.equal(g2.guestCpus, 4);
  assert.deepEqual(g2.accelerators, [{ guestAcceleratorType: 'nvidia-l4', guestAcceleratorCount: 1 }]);
  const [missing, body] = await get('projects/gkeflow-test/zones/us-central1-a/machineTypes/g9-huge');
  assert.equal(missing, 404);
  assert.match(JSON.stringify(body), /machineTypes\/g9-huge' was not found/);
  const [, gpus] = await get('projects/gkeflow-test/zones/us-central1-f/acceleratorTypes');
  const names = (gpus.items as Array<{ name: string }>).map((i) => i.name);
  assert.ok(names.includes('nvidia-tesla-t4') && !names.includes('nvidia-l4'), names.join());
  const [zone] = await get('projects/gkeflow-test/zones/us-north1-a/machineTypes');
  assert.equal(zone, 400);
});

void test('a machine type or GPU Compute Engine lacks in the spec’s zones is refused, naming the field', async () => {
  assert.deepEqual(await refusedPaths(spec('us-central1-a', { machineType: 'g9-huge' })), [
    'cluster.nodePools[1].machineType: Compute Engine has no machine type g9-huge in zone us-central1-a',
  ]);
  // A regional spec checks its three zones: europe-west9 has no g2.
  assert.deepEqual(await refusedPaths(spec('europe-west9', { machineType: 'g2-standard-4' })), [
    'cluster.nodePools[1].machineType: Compute Engine has no machine type g2-standard-4 in zone europe-west9-a',
  ]);
  assert.deepEqual(
    await refusedPaths(
      spec('us-central1-f', { machineType: 'n1-standard-4', accelerators: [{ type: 'nvidia-l4', count: 1 }] }),
    ),
    [
      'cluster.nodePools[1].accelerators[0].type: Compute Engine has no accelerator type nvidia-l4 in zone us-central1-f',
    ],
  );
  assert.deepEqual(
    await refusedPaths(
      spec('us-central1-a', { machineType: 'e2-standard-4', accelerators: [{ type: 'nvidia-l4', count: 1 }] }),
    ),
    ['cluster.nodePools[1].accelerators[0].type: nvidia-l4 does not run on e2-standard-4 (it runs on g2 machines)'],
  );
  assert.deepEqual(
    await refusedPaths(
      spec('us-central1-a', { machineType: 'g2-standard-4', accelerators: [{ type: 'nvidia-l4', count: 1 }] }),
    ),
    [],
  );
});

void test('an unreachable Compute Engine API only warns', async () => {
  const warnings: string[] = [];
  const port = await freePort();
  const get = computeGetVia(
    targetConfigFromEnv({ GKEFLOW_TARGET: 'local' }),
    2000,
    `http://127.0.0.1:${port}/compute/v1`,
  );
  await checkSpecWithCompute(spec('us-central1-a', { machineType: 'g9-huge' }), 'env.yaml', {
    get,
    warn: (l) => warnings.push(l),
  });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /^warning: could not check machine and accelerator types against Compute Engine/);
});

void test('the local target finds Compute Engine on the emulator’s admin port', () => {
  const local = targetConfigFromEnv({ GKEFLOW_TARGET: 'local' });
  assert.equal(computeBaseUrl(local, { GKEFLOW_EMULATOR_ADMIN_PORT: '9191' }), 'http://127.0.0.1:9191/compute/v1');
  assert.equal(computeBaseUrl({ ...local, target: 'gcp' }), 'https://compute.googleapis.com/compute/v1');
});
