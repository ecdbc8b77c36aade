// Operations and node pools: PENDING → RUNNING → DONE, status transitions, the one-operation
// rule, cancellation; node-pool RPCs. Metadata-only emulator with small real delays.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import type { v1 } from '@google-cloud/container';
import { ZERO_DELAYS, type RunningEmulator } from '../../../src/emulator';
import { client, clusterName, codeOf, emulator, parent, waitOp } from '../../helpers/emulator';

let emu: RunningEmulator;
let c: v1.ClusterManagerClient;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pool = (p: string) => `${clusterName('ops')}/nodePools/${p}`;

before(async () => {
  emu = await emulator({
    delays: {
      ...ZERO_DELAYS,
      // Wide enough that a loaded machine (CI runs test files in parallel) still sees each state.
      operationPending: 200,
      createCluster: 2000,
      deleteCluster: 1500,
      updateCluster: 1500,
      setLabels: 300,
      createNodePool: 1500,
      deleteNodePool: 1500,
      setNodePoolSize: 1500,
      setNodePoolAutoscaling: 1000,
    },
  });
  c = client(emu);
});

after(async () => {
  await c.close();
  await emu.stop();
});

void test('an operation goes PENDING → RUNNING → DONE while the cluster goes PROVISIONING → RUNNING', async () => {
  const [op] = await c.createCluster({ parent: parent(), cluster: { name: 'ops', initialNodeCount: 1 } });
  assert.equal(op.status, 'PENDING');
  const [prov] = await c.getCluster({ name: clusterName('ops') });
  assert.equal(prov.status, 'PROVISIONING');
  assert.equal(prov.endpoint, '', 'no endpoint while provisioning');
  let [running] = await c.getOperation({ name: `${parent()}/operations/${op.name}` });
  while (running.status === 'PENDING') {
    await sleep(50);
    [running] = await c.getOperation({ name: `${parent()}/operations/${op.name}` });
  }
  assert.equal(running.status, 'RUNNING');
  assert.ok(Number(running.progress?.metrics?.[0]?.intValue) >= 1);
  const done = await waitOp(c, op);
  assert.equal(done.status, 'DONE');
  assert.equal((await c.getCluster({ name: clusterName('ops') }))[0].status, 'RUNNING');
});

void test('refuses a second operation on a busy cluster with FAILED_PRECONDITION (incompatible operation)', async () => {
  const [resize] = await c.setNodePoolSize({ name: pool('default-pool'), nodeCount: 2 });
  assert.equal(resize.operationType, 'SET_NODE_POOL_SIZE');
  assert.equal((await c.getCluster({ name: clusterName('ops') }))[0].status, 'RECONCILING');
  const err = await c
    .setNodePoolSize({ name: pool('default-pool'), nodeCount: 3 })
    .catch((e: { code: number; details: string }) => e);
  assert.equal((err as { code: number }).code, status.FAILED_PRECONDITION);
  assert.match((err as { details: string }).details, new RegExp(`incompatible operation ${resize.name}`));
  assert.equal(await codeOf(c.deleteCluster({ name: clusterName('ops') })), status.FAILED_PRECONDITION);
  await waitOp(c, resize);
  const [np] = await c.getNodePool({ name: pool('default-pool') });
  assert.equal(np.initialNodeCount, 2);
  assert.equal(np.status, 'RUNNING');
});

void test('lists operations per location and across locations; GetOperation of an unknown one is NOT_FOUND', async () => {
  const [ops] = await c.listOperations({ parent: parent() });
  assert.ok((ops.operations ?? []).some((o) => o.operationType === 'SET_NODE_POOL_SIZE'));
  const [all] = await c.listOperations({ parent: parent('-') });
  assert.equal(all.operations?.length, ops.operations?.length);
  assert.equal(await codeOf(c.getOperation({ name: `${parent()}/operations/operation-0-deadbeef` })), status.NOT_FOUND);
});

void test('cancels a running operation: it ends DONE with CANCELLED and the cluster is usable again', async () => {
  const [op] = await c.setNodePoolSize({ name: pool('default-pool'), nodeCount: 4 });
  await c.cancelOperation({ name: `${parent()}/operations/${op.name}` });
  const done = await waitOp(c, op);
  assert.equal(done.error?.code, status.CANCELLED);
  const [cl] = await c.getCluster({ name: clusterName('ops') });
  assert.equal(cl.status, 'RUNNING');
  assert.equal(cl.nodePools?.[0]?.initialNodeCount, 2, 'the cancelled resize did not apply');
  await c.cancelOperation({ name: `${parent()}/operations/${op.name}` }); // finished: a no-op
});

void test('creates, lists, gets, resizes, autoscales and deletes node pools', async () => {
  const [create] = await c.createNodePool({
    parent: clusterName('ops'),
    nodePool: {
      name: 'extra',
      initialNodeCount: 1,
      config: { machineType: 'e2-standard-4', labels: { tier: 'batch' } },
    },
  });
  assert.equal(create.operationType, 'CREATE_NODE_POOL');
  assert.equal((await c.getNodePool({ name: pool('extra') }))[0].status, 'PROVISIONING');
  await waitOp(c, create);
  const [list] = await c.listNodePools({ parent: clusterName('ops') });
  assert.deepEqual(
    list.nodePools?.map((p) => p.name),
    ['default-pool', 'extra'],
  );
  assert.equal(
    await codeOf(c.createNodePool({ parent: clusterName('ops'), nodePool: { name: 'extra', initialNodeCount: 1 } })),
    status.ALREADY_EXISTS,
  );
  assert.equal(
    await codeOf(c.createNodePool({ parent: clusterName('ops'), nodePool: { name: 'Bad_Pool', initialNodeCount: 1 } })),
    status.INVALID_ARGUMENT,
  );
  assert.equal(
    await codeOf(
      c.createNodePool({
        parent: clusterName('ops'),
        nodePool: { name: 'big', initialNodeCount: 1, config: { machineType: 'f1-micro' } },
      }),
    ),
    status.INVALID_ARGUMENT,
  );

  const [auto] = await c.setNodePoolAutoscaling({
    name: pool('extra'),
    autoscaling: { enabled: true, minNodeCount: 2, maxNodeCount: 4 },
  });
  await waitOp(c, auto);
  const [scaled] = await c.getNodePool({ name: pool('extra') });
  assert.equal(scaled.autoscaling?.enabled, true);
  assert.equal(scaled.initialNodeCount, 2, 'brought up to the new minimum');
  assert.equal(
    await codeOf(
      c.setNodePoolAutoscaling({
        name: pool('extra'),
        autoscaling: { enabled: true, minNodeCount: 5, maxNodeCount: 1 },
      }),
    ),
    status.INVALID_ARGUMENT,
  );
  assert.equal(await codeOf(c.setNodePoolSize({ name: pool('extra'), nodeCount: -3 })), status.INVALID_ARGUMENT);
  assert.equal(await codeOf(c.setNodePoolSize({ name: pool('nope'), nodeCount: 1 })), status.NOT_FOUND);

  const [del] = await c.deleteNodePool({ name: pool('extra') });
  assert.equal(del.operationType, 'DELETE_NODE_POOL');
  assert.equal((await c.getNodePool({ name: pool('extra') }))[0].status, 'STOPPING');
  await waitOp(c, del);
  assert.equal(await codeOf(c.getNodePool({ name: pool('extra') })), status.NOT_FOUND);
});

void test("GKE's own post-create operation refuses changes until it ends (when switched on)", async () => {
  const gke = await emulator({ delays: { operationPending: 0, createCluster: 0, autoOperationAfterCreate: 2000 } });
  const g = client(gke);
  await waitOp(g, (await g.createCluster({ parent: parent(), cluster: { name: 'auto', initialNodeCount: 1 } }))[0]);
  await sleep(50);
  const [cl] = await g.getCluster({ name: clusterName('auto') });
  assert.equal(cl.status, 'RECONCILING');
  assert.equal(
    await codeOf(g.setNodePoolSize({ name: `${clusterName('auto')}/nodePools/default-pool`, nodeCount: 2 })),
    status.FAILED_PRECONDITION,
  );
  while ((await g.getCluster({ name: clusterName('auto') }))[0].status === 'RECONCILING') await sleep(100);
  await waitOp(
    g,
    (await g.setNodePoolSize({ name: `${clusterName('auto')}/nodePools/default-pool`, nodeCount: 2 }))[0],
  );
  await g.close();
  await gke.stop();
});

void test('deleting shows STOPPING until the cluster is gone', async () => {
  const [op] = await c.deleteCluster({ name: clusterName('ops') });
  assert.equal((await c.getCluster({ name: clusterName('ops') }))[0].status, 'STOPPING');
  await waitOp(c, op);
  assert.equal(await codeOf(c.getCluster({ name: clusterName('ops') })), status.NOT_FOUND);
});
