// Operations cut short by an emulator restart resume under the same name, as on GKE (whose
// frontends restart without aborting a create): a client polling the operation sees it end DONE.
// Metadata-only emulators with real delays first, then kwok control planes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import fs from 'node:fs';
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { protos, v1 } from '@google-cloud/container';
import { kwokClusterPids } from '../../../src/emulator/runtime/kwok-cluster';
import { ZERO_DELAYS, type EmulatorOptions, type RunningEmulator } from '../../../src/emulator';
import { client, clusterName, emulator, parent, tempStateDir, waitOp } from '../../helpers/emulator';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const delays = {
  ...ZERO_DELAYS,
  operationPending: 50,
  createCluster: 1500,
  deleteCluster: 1500,
  updateCluster: 1000,
  setLabels: 100,
  createNodePool: 1000,
  deleteNodePool: 1000,
  setNodePoolSize: 1500,
  setNodePoolAutoscaling: 1000,
};

const open: Array<{ emu: RunningEmulator; c: v1.ClusterManagerClient }> = [];
after(async () => {
  for (const { emu, c } of open) {
    await c.close();
    await emu.stop();
  }
});

/** An emulator on `stateDir` with its client; stopped after the file unless the test stops it. */
async function start(stateDir: string, o: Partial<EmulatorOptions> = {}) {
  const emu = await emulator({ stateDir, delays, ...o });
  const entry = { emu, c: client(emu) };
  open.push(entry);
  return entry;
}

async function stop(entry: { emu: RunningEmulator; c: v1.ClusterManagerClient }): Promise<void> {
  open.splice(open.indexOf(entry), 1);
  await entry.c.close();
  await entry.emu.stop();
}

type Op = protos.google.container.v1.IOperation;

/** Waits until the operation is RUNNING (its work under way), plus `extraMs`. */
async function underWay(c: v1.ClusterManagerClient, op: Op, extraMs = 200): Promise<void> {
  for (;;) {
    const [o] = await c.getOperation({ name: `${parent()}/operations/${op.name}` });
    if (o.status === 'RUNNING') break;
    assert.notEqual(o.status, 'DONE', 'the operation ended before the restart');
    await sleep(20);
  }
  await sleep(extraMs);
}

const stateOf = (stateDir: string) =>
  JSON.parse(fs.readFileSync(path.join(stateDir, 'emulator.json'), 'utf8')) as {
    operations: Array<{ name: string; status: string }>;
    clusters: Array<{ cluster: string; access?: { kwokName?: string } }>;
  };

void test('a create cut short by a restart resumes under the same operation name: DONE, cluster RUNNING', async () => {
  const stateDir = tempStateDir();
  const first = await start(stateDir);
  const [op] = await first.c.createCluster({
    parent: parent(),
    cluster: { name: 'resumed', nodePools: [{ name: 'default-pool', initialNodeCount: 2 }] },
  });
  await underWay(first.c, op);
  await stop(first);
  assert.equal(
    stateOf(stateDir).operations.find((o) => o.name === op.name)?.status,
    'RUNNING',
    'the state file keeps the unfinished operation',
  );

  const second = await start(stateDir);
  const [prov] = await second.c.getCluster({ name: clusterName('resumed') });
  assert.equal(prov.status, 'PROVISIONING', 'still being created after the restart');
  const done = await waitOp(second.c, op);
  assert.equal(done.error ?? null, null, `no error: ${JSON.stringify(done.error)}`);
  const [cl] = await second.c.getCluster({ name: clusterName('resumed') });
  assert.equal(cl.status, 'RUNNING');
  assert.equal(cl.nodePools?.[0]?.status, 'RUNNING');
  assert.equal(cl.currentNodeCount, 2);
  // Usable: it takes a change like any running cluster.
  await waitOp(
    second.c,
    (await second.c.setNodePoolSize({ name: `${clusterName('resumed')}/nodePools/default-pool`, nodeCount: 3 }))[0],
  );
});

void test('a delete cut short by a restart resumes under the same operation name: DONE, cluster gone', async () => {
  const stateDir = tempStateDir();
  const first = await start(stateDir);
  await waitOp(
    first.c,
    (await first.c.createCluster({ parent: parent(), cluster: { name: 'doomed', initialNodeCount: 1 } }))[0],
  );
  const [op] = await first.c.deleteCluster({ name: clusterName('doomed') });
  await underWay(first.c, op);
  await stop(first);

  const second = await start(stateDir);
  const done = await waitOp(second.c, op);
  assert.equal(done.error ?? null, null, `no error: ${JSON.stringify(done.error)}`);
  const [list] = await second.c.listClusters({ parent: parent() });
  assert.deepEqual(list.clusters ?? [], []);
});

void test('a node-pool resize cut short by a restart resumes: DONE, the pool has its new size', async () => {
  const stateDir = tempStateDir();
  const first = await start(stateDir);
  await waitOp(
    first.c,
    (await first.c.createCluster({ parent: parent(), cluster: { name: 'sized', initialNodeCount: 1 } }))[0],
  );
  const pool = `${clusterName('sized')}/nodePools/default-pool`;
  const [op] = await first.c.setNodePoolSize({ name: pool, nodeCount: 4 });
  await underWay(first.c, op);
  await stop(first);

  const second = await start(stateDir);
  assert.equal((await second.c.getCluster({ name: clusterName('sized') }))[0].status, 'RECONCILING');
  const done = await waitOp(second.c, op);
  assert.equal(done.error ?? null, null, `no error: ${JSON.stringify(done.error)}`);
  const [np] = await second.c.getNodePool({ name: pool });
  assert.equal(np.initialNodeCount, 4);
  assert.equal(np.status, 'RUNNING');
  assert.equal((await second.c.getCluster({ name: clusterName('sized') }))[0].status, 'RUNNING');
});

void test('an unfinished operation from a state file without plans (before resumes) ends ABORTED, its cluster ERROR', async () => {
  const stateDir = tempStateDir();
  const first = await start(stateDir);
  const [op] = await first.c.createCluster({ parent: parent(), cluster: { name: 'legacy', initialNodeCount: 1 } });
  await underWay(first.c, op);
  await stop(first);
  const file = path.join(stateDir, 'emulator.json');
  const state = JSON.parse(fs.readFileSync(file, 'utf8')) as { operations: Array<Record<string, unknown>> };
  for (const o of state.operations) delete o.plan;
  fs.writeFileSync(file, JSON.stringify(state), { mode: 0o600 });

  const second = await start(stateDir);
  const [done] = await second.c.getOperation({ name: `${parent()}/operations/${op.name}` });
  assert.equal(done.status, 'DONE');
  assert.equal(done.error?.code, status.ABORTED);
  assert.equal((await second.c.getCluster({ name: clusterName('legacy') }))[0].status, 'ERROR');
});

/** A KubeConfig from what GetCluster returns, as a GKE user would build it. */
function kubeConfigFrom(cl: protos.google.container.v1.ICluster): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'gke', server: `https://${cl.endpoint}`, caData: cl.masterAuth?.clusterCaCertificate ?? '' }],
    users: [{ name: 'gke', certData: cl.masterAuth?.clientCertificate ?? '', keyData: cl.masterAuth?.clientKey ?? '' }],
    contexts: [{ name: 'gke', cluster: 'gke', user: 'gke' }],
    currentContext: 'gke',
  });
  return kc;
}

const kwokDelays = { ...delays, createCluster: 6000, deleteCluster: 3000 };

void test('kwok: a create cut short by a restart ends DONE with its control plane serving and nodes Ready', async () => {
  const stateDir = tempStateDir('emu-resume-kwok-');
  const first = await start(stateDir, { controlPlane: 'kwok', delays: kwokDelays });
  const [op] = await first.c.createCluster({ parent: parent(), cluster: { name: 'kube', initialNodeCount: 2 } });
  await underWay(first.c, op, 500);
  await stop(first);

  const second = await start(stateDir, { controlPlane: 'kwok', delays: kwokDelays });
  const done = await waitOp(second.c, op);
  assert.equal(done.error ?? null, null, `no error: ${JSON.stringify(done.error)}`);
  const [cl] = await second.c.getCluster({ name: clusterName('kube') });
  assert.equal(cl.status, 'RUNNING');
  const nodes = await kubeConfigFrom(cl).makeApiClient(CoreV1Api).listNode();
  assert.equal(
    nodes.items.filter((n) => n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')).length,
    2,
  );

  const [del] = await second.c.deleteCluster({ name: clusterName('kube') });
  await underWay(second.c, del, 300);
  const kwokName = stateOf(stateDir).clusters[0]?.access?.kwokName ?? '';
  await stop(second);
  const third = await start(stateDir, { controlPlane: 'kwok', delays: kwokDelays });
  assert.equal((await waitOp(third.c, del)).error ?? null, null);
  assert.deepEqual((await third.c.listClusters({ parent: parent() }))[0].clusters ?? [], []);
  const workdir = path.join(stateDir, 'kwok');
  assert.deepEqual(kwokClusterPids({ name: kwokName, workdir }), [], 'no process of the deleted cluster');
  assert.equal(fs.existsSync(path.join(workdir, 'clusters', kwokName)), false, 'its directory is gone');
});

void test('kwok: a create whose control plane cannot start again ends with an error, the cluster ERROR', async () => {
  const stateDir = tempStateDir('emu-resume-kwok-');
  const first = await start(stateDir, { controlPlane: 'kwok', delays: { ...kwokDelays, createCluster: 30_000 } });
  const [op] = await first.c.createCluster({ parent: parent(), cluster: { name: 'broken', initialNodeCount: 1 } });
  // The control plane is up (the work is done), the operation still waits out its delay.
  let kwokName: string | undefined;
  for (let i = 0; i < 600 && !kwokName; i++) {
    await sleep(100);
    kwokName = stateOf(stateDir).clusters[0]?.access?.kwokName;
  }
  assert.ok(kwokName, 'the control plane came up');
  await stop(first);
  fs.rmSync(path.join(stateDir, 'kwok', 'clusters', kwokName, 'kwok.yaml'));

  const second = await start(stateDir, { controlPlane: 'kwok', delays: kwokDelays });
  const done = await waitOp(second.c, op);
  assert.match(done.error?.message ?? '', /control plane did not restart/);
  assert.equal((await second.c.getCluster({ name: clusterName('broken') }))[0].status, 'ERROR');
  await waitOp(second.c, (await second.c.deleteCluster({ name: clusterName('broken') }))[0]);
});
