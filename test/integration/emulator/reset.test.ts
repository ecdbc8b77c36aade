// The admin reset with kwok control planes: nothing of a cluster outlives it, not even one whose
// create was still bringing its control plane up.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { v1 } from '@google-cloud/container';
import { isSameProcess } from '../../../src/process/process';
import { kwokClusterDir, kwokClusterPids } from '../../../src/emulator/runtime/kwok-cluster';
import { kwokClusterProcesses } from '../../../src/emulator/runtime/kwok-process';
import { kwokName } from '../../../src/emulator/runtime/kwok-runtime';
import type { ClusterRecord } from '../../../src/emulator/store/store';
import type { RunningEmulator } from '../../../src/emulator';
import { client, emulator, parent, PROJECT, tempStateDir, waitOp, ZONE } from '../../helpers/emulator';

let stateDir: string;
let emu: RunningEmulator;
let c: v1.ClusterManagerClient;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  stateDir = tempStateDir('emu-reset-');
  emu = await emulator({
    stateDir,
    controlPlane: 'kwok',
    delays: { operationPending: 0, createCluster: 20_000, lbProvision: 0, lbRelease: 0, autoOperationAfterCreate: 0 },
  });
  c = client(emu);
});

after(async () => {
  await c.close();
  await emu.stop();
});

const nameOf = (cluster: string) => kwokName({ project: PROJECT, location: ZONE, cluster } as ClusterRecord);

const reset = () =>
  fetch(`http://127.0.0.1:${emu.adminPort}/reset`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
  });

void test('POST /reset in the middle of a create leaves no process and no directory of that cluster', async () => {
  const workdir = path.join(stateDir, 'kwok');
  const name = nameOf('mid-create');
  await c.createCluster({ parent: parent(), cluster: { name: 'mid-create', initialNodeCount: 2 } });
  // Its control plane is coming up: the cluster directory has pid files.
  for (let i = 0; i < 300 && kwokClusterPids({ name, workdir }).length === 0; i++) await sleep(50);
  const procs = kwokClusterProcesses(kwokClusterDir({ name, workdir }));
  assert.ok(procs.length > 0, 'the control plane was starting');

  assert.equal((await reset()).status, 200);
  assert.deepEqual((await c.listClusters({ parent: parent('-') }))[0].clusters ?? [], []);
  assert.equal(fs.existsSync(path.join(workdir, 'clusters', name)), false, 'its directory is gone');
  // A zombie (exited, reparented, not yet reaped) counts as gone.
  const alive = procs.filter(isSameProcess).map((p) => p.pid);
  assert.deepEqual(alive, [], 'none of its processes is left');
});

void test('a create that arrives while POST /reset deletes the clusters is reset too: nothing of it is left', async () => {
  const workdir = path.join(stateDir, 'kwok');
  const admin = (pathname: string, method: string, body?: unknown) =>
    fetch(`http://127.0.0.1:${emu.adminPort}${pathname}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  assert.equal((await admin('/config', 'PATCH', { delays: { createCluster: 0 } })).status, 200);
  await waitOp(
    c,
    (await c.createCluster({ parent: parent(), cluster: { name: 'before-reset', initialNodeCount: 1 } }))[0],
  );
  const resetting = admin('/reset', 'POST');
  await sleep(150); // the reset is deleting the first cluster's control plane
  await c.createCluster({ parent: parent(), cluster: { name: 'during-reset', initialNodeCount: 1 } });
  assert.equal((await resetting).status, 200);
  await emu.idle();
  assert.deepEqual((await c.listClusters({ parent: parent('-') }))[0].clusters ?? [], []);
  const root = path.join(workdir, 'clusters');
  assert.deepEqual(fs.existsSync(root) ? fs.readdirSync(root) : [], [], 'no control plane directory is left');
  assert.deepEqual(kwokClusterProcesses(kwokClusterDir({ name: nameOf('during-reset'), workdir })), []);
});
