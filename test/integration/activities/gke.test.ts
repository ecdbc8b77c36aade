import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { clusterNameOf, gkeActivities, parentOf } from '../../../src/activities/gke';
import type { GkeProgress } from '../../../src/activities/gke-operations';
import { envHash } from '../../../src/contract/labels';
import type { EnsureClusterInput, EnsureClusterResult } from '../../../src/contract/cluster-io';
import type { EnvRef } from '../../../src/contract/environment-id';
import type { TargetConfig } from '../../../src/clients/config';
import { staticTokenSource } from '../../../src/clients/credentials';
import { createGkeClient, type GkeClient } from '../../../src/clients/gke';
import type { EmulatorOptions, RunningEmulator } from '../../../src/emulator';
import { emulator as testEmulator } from '../../helpers/emulator';

const envOf = (cluster: string): EnvRef => ({
  id: `gkeflow/demo-project/asia-east1-a/${cluster}`,
  project: 'demo-project',
  location: 'asia-east1-a',
  cluster,
});
const inputOf = (env: EnvRef, nodeCount = 2): EnsureClusterInput => ({
  env,
  labels: { 'gkeflow-expires-at': '1900000000' },
  nodePools: [{ name: 'default-pool', machineType: 'e2-small', nodeCount }],
});
const FAST = { operationPending: 0, createCluster: 50, deleteCluster: 50, setNodePoolSize: 50 };

async function emulator(extra: Partial<EmulatorOptions> = {}) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-emu-'));
  const emu = await testEmulator({ stateDir, delays: FAST, ...extra });
  const config: TargetConfig = { target: 'local', emulatorAddress: emu.address, registryAddress: '127.0.0.1:1' };
  return { emu, config, stateDir };
}

void describe('GKE activities against the GKE emulator', () => {
  let emu: RunningEmulator;
  let gke: GkeClient;
  let stateDir: string;
  let acts: ReturnType<typeof gkeActivities>;
  before(async () => {
    const e = await emulator({
      faults: [
        {
          rpc: 'SetNodePoolSize',
          code: 'FAILED_PRECONDITION',
          message: 'Operation operation-x is currently upgrading cluster c. Please wait and try again once it is done.',
          count: 1,
        },
      ],
    });
    emu = e.emu;
    stateDir = e.stateDir;
    gke = createGkeClient(e.config);
    acts = gkeActivities({ gke, pollMs: 20 });
  });
  after(async () => {
    await gke?.close();
    await emu?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  void it('ensureCluster twice ⇒ one cluster: created, then adopted by its gkeflow-env label', async () => {
    const env = envOf('twice');
    const first = await acts.ensureCluster(inputOf(env));
    assert.equal(first.created, true);
    assert.equal(first.status, 'RUNNING');
    assert.equal(first.nodeCount, 2);
    const second = await acts.ensureCluster(inputOf(env));
    assert.equal(second.created, false);
    const clusters = await gke.listClusters(parentOf(env));
    assert.equal(clusters.filter((c) => c.name === 'twice').length, 1);
    const c = await gke.getCluster(clusterNameOf(env));
    assert.equal(c.resourceLabels?.['gkeflow-env'], envHash(env.id));
    assert.equal(c.resourceLabels?.['managed-by'], 'gkeflow');
    assert.equal(c.resourceLabels?.['gkeflow-expires-at'], '1900000000');
  });

  void it('a same-named cluster of another environment ⇒ NameTakenError, non-retryable, and it is not deleted', async () => {
    const mine = envOf('shared-name');
    await acts.ensureCluster(inputOf(mine));
    const other: EnvRef = { ...mine, id: 'gkeflow/someone/else/shared-name' };
    await assert.rejects(
      acts.ensureCluster(inputOf(other)),
      (e: Error & { nonRetryable?: boolean }) => e.name === 'NameTakenError' && e.nonRetryable === true,
    );
    await assert.rejects(acts.deleteCluster({ env: other }), { name: 'NameTakenError' });
    assert.equal((await gke.getCluster(clusterNameOf(mine))).status, 'RUNNING');
  });

  void it('resize: a busy cluster (FAILED_PRECONDITION) is a retryable IncompatibleOperationError; the retry resizes; twice is fine', async () => {
    const env = envOf('resize-me');
    await acts.ensureCluster(inputOf(env));
    await assert.rejects(
      acts.resizeNodePool({ env, pool: 'default-pool', nodeCount: 3 }),
      (e: Error & { nonRetryable?: boolean }) => e.name === 'IncompatibleOperationError' && e.nonRetryable === false,
    );
    await acts.resizeNodePool({ env, pool: 'default-pool', nodeCount: 3 });
    await acts.resizeNodePool({ env, pool: 'default-pool', nodeCount: 3 });
    const pool = (await gke.getCluster(clusterNameOf(env))).nodePools?.find((p) => p.name === 'default-pool');
    assert.equal(pool?.initialNodeCount, 3);
    await assert.rejects(acts.resizeNodePool({ env, pool: 'no-such-pool', nodeCount: 1 }), {
      name: 'ResourceNotFoundError',
    });
  });

  void it('deleteCluster twice ⇒ deleted, then deleted:false; a cluster that never existed ⇒ deleted:false', async () => {
    const env = envOf('delete-me');
    await acts.ensureCluster(inputOf(env));
    assert.deepEqual(await acts.deleteCluster({ env }), { deleted: true });
    assert.deepEqual(await acts.deleteCluster({ env }), { deleted: false });
    assert.deepEqual(await acts.deleteCluster({ env: envOf('never-was') }), { deleted: false });
  });

  void it('resumes waiting for the create operation of an attempt that died, without creating again', async () => {
    const env = envOf('resumed');
    const slow = gkeActivities({ gke, pollMs: 20 });
    const first = new MockActivityEnvironment();
    const beats: GkeProgress[] = [];
    first.on('heartbeat', (d: GkeProgress) => beats.push(d));
    const dying = first.run(slow.ensureCluster, inputOf(env));
    while (!beats.some((b) => b.operation)) await new Promise((r) => setTimeout(r, 5));
    first.cancel();
    await assert.rejects(dying);
    const recorded = beats.find((b) => b.operation)!;
    const retry = new MockActivityEnvironment({ heartbeatDetails: recorded });
    const res = (await retry.run(slow.ensureCluster, inputOf(env))) as EnsureClusterResult;
    assert.equal(res.created, true, 'the retry reports the create it resumed');
    assert.equal(res.status, 'RUNNING');
  });
});

void describe('GKE activities: quota and auth', () => {
  void it('a create beyond the project quota ⇒ QuotaExceededError (non-retryable)', async () => {
    const { emu, config, stateDir } = await emulator({ quotas: { nodesPerProject: 3 } });
    const gke = createGkeClient(config);
    try {
      await assert.rejects(
        gkeActivities({ gke, pollMs: 20 }).ensureCluster(inputOf(envOf('too-big'), 5)),
        (e: Error & { nonRetryable?: boolean }) => e.name === 'QuotaExceededError' && e.nonRetryable === true,
      );
    } finally {
      await gke.close();
      await emu.stop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });

  void it('rides out transient GetOperation failures (INTERNAL twice; gax itself retries UNAVAILABLE) inside one wait', async () => {
    const { emu, config, stateDir } = await emulator({ faults: [{ rpc: 'GetOperation', code: 'INTERNAL', count: 2 }] });
    const gke = createGkeClient(config);
    try {
      const res = await gkeActivities({ gke, pollMs: 10 }).ensureCluster(inputOf(envOf('blippy')));
      assert.equal(res.status, 'RUNNING');
    } finally {
      await gke.close();
      await emu.stop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });

  void it("an emulator started with requireAuth takes the token source's bearer token and refuses calls without one", async () => {
    const { emu, config, stateDir } = await emulator({ requireAuth: 'ya29.emulator-token' });
    const authed = createGkeClient({ ...config, tokenSource: staticTokenSource('ya29.emulator-token') });
    const anonymous = createGkeClient(config);
    const wrong = createGkeClient({ ...config, tokenSource: staticTokenSource('ya29.wrong') });
    try {
      const env = envOf('authed');
      assert.equal((await gkeActivities({ gke: authed, pollMs: 20 }).ensureCluster(inputOf(env))).created, true);
      for (const client of [anonymous, wrong]) {
        await assert.rejects(gkeActivities({ gke: client, pollMs: 20 }).deleteCluster({ env }), (e: Error) => {
          assert.equal(e.name, 'PermissionDeniedError');
          assert.ok(!e.message.includes('ya29'), 'no token in the error');
          return true;
        });
      }
      assert.deepEqual(await gkeActivities({ gke: authed, pollMs: 20 }).deleteCluster({ env }), { deleted: true });
    } finally {
      await Promise.all([authed.close(), anonymous.close(), wrong.close()]);
      await emu.stop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
