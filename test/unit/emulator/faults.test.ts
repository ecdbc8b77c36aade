// Faults as data (count, probability with a seed, label-scoped, operation-phase), the admin
// endpoint, and persistence across an emulator restart. Metadata-only emulators.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import type { RunningEmulator } from '../../../src/emulator';
import { client, clusterName, codeOf, emulator, parent, tempStateDir, waitOp } from '../../helpers/emulator';

const running: RunningEmulator[] = [];
async function start(o: Parameters<typeof emulator>[0] = {}) {
  const e = await emulator(o);
  running.push(e);
  return e;
}
after(async () => {
  for (const e of running) await e.stop();
});

const admin = async (emu: RunningEmulator, method: string, path: string, body?: unknown) => {
  const res = await fetch(`http://127.0.0.1:${emu.adminPort}${path}`, {
    method,
    headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

void test('a counted fault fails the next N matching calls, then stops', async () => {
  const emu = await start({ faults: [{ rpc: 'ListClusters', code: 'UNAVAILABLE', count: 2 }] });
  const c = client(emu);
  // gax retries UNAVAILABLE on idempotent calls by default; turn that off to see each answer.
  const once = { retry: { retryCodes: [], backoffSettings: { maxRetries: 0 } } } as never;
  assert.equal(await codeOf(c.listClusters({ parent: parent() }, once)), status.UNAVAILABLE);
  assert.equal(await codeOf(c.listClusters({ parent: parent() }, once)), status.UNAVAILABLE);
  await c.listClusters({ parent: parent() }, once);
  await c.close();
});

void test('a fault can carry an ErrorInfo reason, which the client exposes as err.reason', async () => {
  const emu = await start({
    faults: [{ rpc: 'SetNodePoolSize', code: 'RESOURCE_EXHAUSTED', reason: 'RATE_LIMIT_EXCEEDED', count: 1 }],
  });
  const c = client(emu);
  const err = (await c
    .setNodePoolSize({ name: `${clusterName('any')}/nodePools/p`, nodeCount: 1 })
    .catch((e: unknown) => e)) as { code: number; reason?: string };
  assert.equal(err.code, status.RESOURCE_EXHAUSTED);
  assert.equal(err.reason, 'RATE_LIMIT_EXCEEDED');
  await c.close();
});

void test('a label-scoped fault only hits clusters carrying the label', async () => {
  const emu = await start({
    faults: [{ rpc: 'CreateCluster', code: 'RESOURCE_EXHAUSTED', labels: { chaos: 'quota' } }],
  });
  const c = client(emu);
  assert.equal(
    await codeOf(
      c.createCluster({ parent: parent(), cluster: { name: 'chaotic', resourceLabels: { chaos: 'quota' } } }),
    ),
    status.RESOURCE_EXHAUSTED,
  );
  await waitOp(c, (await c.createCluster({ parent: parent(), cluster: { name: 'calm' } }))[0]);
  await c.close();
});

void test('an operation-phase fault returns the Operation, which ends in the error; the cluster is ERROR and deletable', async () => {
  const emu = await start({
    faults: [
      { rpc: 'CreateCluster', code: 'INTERNAL', message: 'zone out of resources', where: 'operation', count: 1 },
    ],
  });
  const c = client(emu);
  const [op] = await c.createCluster({ parent: parent(), cluster: { name: 'doomed' } });
  const done = await waitOp(c, op);
  assert.equal(done.error?.code, status.INTERNAL);
  assert.equal(done.error?.message, 'zone out of resources');
  const [cl] = await c.getCluster({ name: clusterName('doomed') });
  assert.equal(cl.status, 'ERROR');
  await waitOp(c, (await c.deleteCluster({ name: clusterName('doomed') }))[0]);
  await c.close();
});

void test('probabilistic faults repeat exactly with the same seed', async () => {
  const outcomes = async (seed: number) => {
    const emu = await start({ seed, faults: [{ rpc: 'GetServerConfig', code: 'ABORTED', probability: 0.5 }] });
    const c = client(emu);
    const seq: number[] = [];
    for (let i = 0; i < 24; i++)
      seq.push(
        await c.getServerConfig({ name: parent() }, { retry: { retryCodes: [] } } as never).then(
          () => 0,
          (e: { code: number }) => e.code,
        ),
      );
    await c.close();
    return seq;
  };
  const a = await outcomes(7);
  assert.deepEqual(await outcomes(7), a);
  assert.ok(a.includes(0) && a.includes(status.ABORTED), `a mix of outcomes: ${a.join(',')}`);
  assert.notDeepEqual(await outcomes(8), a);
});

void test('the admin endpoint reads and sets delays, speed, quotas and faults, and resets', async () => {
  const emu = await start();
  assert.equal((await admin(emu, 'GET', '/healthz')).status, 200);
  const cfg = await admin(emu, 'PATCH', '/config', {
    speed: 4,
    delays: { createCluster: 800 },
    quotas: { clustersPerProject: 1 },
  });
  assert.equal(cfg.status, 200);
  assert.equal(cfg.body.speed, 4);
  assert.equal((cfg.body.delays as Record<string, number>).createCluster, 800);
  assert.equal((await admin(emu, 'PATCH', '/config', { delays: { createCluster: -1 } })).status, 400);
  assert.equal((await admin(emu, 'PATCH', '/config', '{not json')).status, 400);
  assert.equal((await admin(emu, 'PATCH', '/config', { delays: { warpDrive: 1 } })).status, 400);

  const c = client(emu);
  const started = Date.now();
  await waitOp(c, (await c.createCluster({ parent: parent(), cluster: { name: 'slow' } }))[0]);
  const took = Date.now() - started;
  assert.ok(took >= 190 && took < 2000, `800 ms at speed 4 ≈ 200 ms (took ${took})`);
  assert.equal(
    await codeOf(c.createCluster({ parent: parent(), cluster: { name: 'second' } })),
    status.RESOURCE_EXHAUSTED,
  );

  const put = await admin(emu, 'PUT', '/faults', {
    seed: 3,
    rules: [{ rpc: 'GetCluster', code: 'PERMISSION_DENIED', count: 1 }],
  });
  assert.equal((put.body.rules as unknown[]).length, 1);
  assert.equal(await codeOf(c.getCluster({ name: clusterName('slow') })), status.PERMISSION_DENIED);
  await c.getCluster({ name: clusterName('slow') });
  assert.equal((await admin(emu, 'POST', '/faults', { rpc: 'GetCluster', code: 'NOPE' })).status, 400);
  assert.equal((await admin(emu, 'POST', '/faults', { rpc: 'GetCluster', code: 14, count: 1 })).status, 200);
  assert.equal((await admin(emu, 'DELETE', '/faults')).body.rules instanceof Array, true);
  assert.deepEqual((await admin(emu, 'GET', '/leaks')).body, { leaks: [] });
  assert.equal((await admin(emu, 'GET', '/clusters')).body.clusters instanceof Array, true);
  assert.equal((await admin(emu, 'GET', '/nowhere')).status, 404);

  assert.equal((await admin(emu, 'POST', '/reset')).status, 200);
  assert.equal(await codeOf(c.getCluster({ name: clusterName('slow') })), status.NOT_FOUND);
  await c.close();
});

void test('a corrupt state file is refused with an error naming it', async () => {
  const stateDir = tempStateDir();
  fs.writeFileSync(path.join(stateDir, 'emulator.json'), '{"version": 1, "clus');
  await assert.rejects(
    emulator({ stateDir }),
    (e: Error) => e.name === 'EmulatorStateError' && e.message.includes('emulator.json'),
  );
});

void test('state persists across an emulator restart', async () => {
  const stateDir = tempStateDir();
  const first = await emulator({ stateDir });
  let c = client(first);
  await waitOp(
    c,
    (
      await c.createCluster({
        parent: parent(),
        cluster: { name: 'keep', resourceLabels: { owner: 'me' }, nodePools: [{ name: 'p', initialNodeCount: 2 }] },
      })
    )[0],
  );
  const [op] = await c.createCluster({ parent: parent('europe-west1'), cluster: { name: 'keep-too' } });
  await waitOp(c, op, 'europe-west1');
  const [before] = await c.getCluster({ name: clusterName('keep') });
  await c.close();
  await first.stop();

  const second = await start({ stateDir });
  c = client(second);
  const [afterRestart] = await c.getCluster({ name: clusterName('keep') });
  assert.equal(afterRestart.status, 'RUNNING');
  assert.equal(afterRestart.labelFingerprint, before.labelFingerprint);
  assert.deepEqual(afterRestart.resourceLabels, { owner: 'me' });
  assert.equal(afterRestart.currentNodeCount, 2);
  const [all] = await c.listClusters({ parent: parent('-') });
  assert.equal(all.clusters?.length, 2);
  const [done] = await c.getOperation({ name: `${parent('europe-west1')}/operations/${op.name}` });
  assert.equal(done.status, 'DONE');
  await c.close();
});
