// GKE behaviours a real project shows and the emulator now reproduces (issue 9): each test failed
// against the gkeflow before its fix, on the stricter emulator.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { clusterNameOf, gkeActivities, parentOf } from '../../../src/activities/gke';
import type { GkeProgress } from '../../../src/activities/gke-operations';
import type { EnsureClusterInput } from '../../../src/contract/cluster-io';
import type { EnvRef } from '../../../src/contract/environment-id';
import type { TargetConfig } from '../../../src/clients/config';
import { GoogleAuth, OAuth2Client } from 'google-auth-library';
import { adcTokenSource, CLOUD_PLATFORM_SCOPE, staticTokenSource } from '../../../src/clients/credentials';
import { createGkeClient, type GkeClient } from '../../../src/clients/gke';
import type { EmulatorOptions } from '../../../src/emulator';
import { emulator as testEmulator } from '../../helpers/emulator';

const envOf = (cluster: string, location = 'asia-east1-a'): EnvRef => ({
  id: `gkeflow/demo-project/${location}/${cluster}`,
  project: 'demo-project',
  location,
  cluster,
});
const inputOf = (env: EnvRef, nodeCount = 1, machineType = 'e2-small'): EnsureClusterInput => ({
  env,
  labels: { 'gkeflow-expires-at': '1900000000' },
  nodePools: [{ name: 'default-pool', machineType, nodeCount }],
});

async function emulator(extra: Partial<EmulatorOptions> = {}) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-emu-'));
  const emu = await testEmulator({
    stateDir,
    ...extra,
    delays: { operationPending: 0, createCluster: 50, deleteCluster: 50, setNodePoolSize: 50, ...extra.delays },
  });
  const config: TargetConfig = { target: 'local', emulatorAddress: emu.address, registryAddress: '127.0.0.1:1' };
  const gke = createGkeClient(config);
  return {
    emu,
    gke,
    config,
    async stop() {
      await gke.close();
      await emu.stop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

void describe('GKE fidelity: what a real project does to gkeflow', () => {
  let gke: GkeClient;
  let stop: () => Promise<void>;
  before(async () => {
    ({ gke, stop } = await emulator({
      delays: { createCluster: 1500 },
      // The first resize's operation ends with an error (the call itself succeeds).
      faults: [{ rpc: 'SetNodePoolSize', code: 'INTERNAL', where: 'operation', count: 1 }],
    }));
  });
  after(async () => stop?.());

  void it('deleteCluster during the create waits out the running operation (with heartbeats) and then deletes', async () => {
    const env = envOf('delete-while-creating');
    const acts = gkeActivities({ gke, pollMs: 20 });
    const creating = acts.ensureCluster(inputOf(env)).catch((e: Error) => e);
    while (
      !(await gke.listClusters(`projects/${env.project}/locations/${env.location}`)).some((c) => c.name === env.cluster)
    )
      await new Promise((r) => setTimeout(r, 10));
    const mock = new MockActivityEnvironment();
    const beats: GkeProgress[] = [];
    mock.on('heartbeat', (d: GkeProgress) => beats.push(d));
    assert.deepEqual(await mock.run(acts.deleteCluster, { env }), { deleted: true });
    assert.ok(
      beats.some((b) => b.status === 'WAITING_FOR_OPERATION'),
      `heartbeats while waiting: ${JSON.stringify(beats.slice(0, 3))}`,
    );
    await assert.rejects(gke.getCluster(clusterNameOf(env)), { code: 5 });
    await creating;
  });

  void it('the wait for a busy cluster has a budget, kept across retries: past it, deleteCluster fails OperationTimeoutError', async () => {
    const env = envOf('busy-too-long');
    const creating = gkeActivities({ gke, pollMs: 20 })
      .ensureCluster(inputOf(env))
      .catch((e: Error) => e);
    while (!(await gke.listClusters(parentOf(env))).some((c) => c.name === env.cluster))
      await new Promise((r) => setTimeout(r, 10));
    const impatient = gkeActivities({ gke, pollMs: 20, busyTimeoutMs: 100 });
    await assert.rejects(impatient.deleteCluster({ env }), { name: 'OperationTimeoutError' });
    // A retry whose previous attempt began waiting long ago has no budget left.
    const patient = gkeActivities({ gke, pollMs: 20, busyTimeoutMs: 60_000 });
    const retry = new MockActivityEnvironment({
      heartbeatDetails: { step: `delete ${clusterNameOf(env)}`, status: 'WAITING_FOR_OPERATION', busySince: 0 },
    });
    await assert.rejects(retry.run(patient.deleteCluster, { env }), { name: 'OperationTimeoutError' });
    await creating;
    assert.deepEqual(await patient.deleteCluster({ env }), { deleted: true });
  });

  void it('a resize whose operation ended with an error is re-issued on retry, not re-awaited', async () => {
    const env = envOf('reissue-resize');
    const acts = gkeActivities({ gke, pollMs: 20 });
    await acts.ensureCluster(inputOf(env));
    const first = new MockActivityEnvironment();
    const beats: GkeProgress[] = [];
    first.on('heartbeat', (d: GkeProgress) => beats.push(d));
    const input = { env, pool: 'default-pool', nodeCount: 2 };
    await assert.rejects(first.run(acts.resizeNodePool, input), { name: 'TransientCloudError' });
    const recorded = [...beats].reverse().find((b) => b.operation)!;
    const retry = new MockActivityEnvironment({ heartbeatDetails: recorded });
    await retry.run(acts.resizeNodePool, input);
    const pool = (await gke.getCluster(clusterNameOf(env))).nodePools?.find((p) => p.name === 'default-pool');
    assert.equal(pool?.initialNodeCount, 2);
  });
});

void describe('GKE fidelity: regional clusters', () => {
  void it('a regional cluster reports every node: 2 per zone in 3 zones is 6 nodes, and the request asks for alias IPs and scopes', async () => {
    const { gke, stop } = await emulator();
    try {
      const env = envOf('regional', 'asia-east1');
      const res = await gkeActivities({ gke, pollMs: 20 }).ensureCluster({
        ...inputOf(env, 2),
        serviceAccount: 'gke-nodes@demo-project.iam.gserviceaccount.com',
        network: 'prod-vpc',
      });
      assert.equal(res.nodeCount, 6);
      assert.equal(res.zones, 3);
      const c = await gke.getCluster(clusterNameOf(env));
      assert.equal(c.ipAllocationPolicy?.useIpAliases, true);
      assert.equal(c.network, 'prod-vpc');
      assert.deepEqual(c.nodePools?.[0]?.config?.oauthScopes, ['https://www.googleapis.com/auth/cloud-platform']);
      assert.equal(c.nodePools?.[0]?.config?.serviceAccount, 'gke-nodes@demo-project.iam.gserviceaccount.com');
    } finally {
      await stop();
    }
  });
});

void describe('GKE fidelity: quota', () => {
  void it("a create short of regional quota (GKE: PERMISSION_DENIED 'Insufficient regional quota') ⇒ QuotaExceededError, not an IAM problem", async () => {
    const { gke, stop } = await emulator({ quotas: { nodesPerProject: 2 } });
    try {
      await assert.rejects(
        gkeActivities({ gke, pollMs: 20 }).ensureCluster(inputOf(envOf('short-of-quota'), 3)),
        (e: Error & { nonRetryable?: boolean }) => {
          assert.equal(e.name, 'QuotaExceededError');
          assert.match(e.message, /Insufficient regional quota/);
          return e.nonRetryable === true;
        },
      );
    } finally {
      await stop();
    }
  });
});

void describe('GKE fidelity: user credentials', () => {
  void it('with user ADC naming a quota project, GKE calls carry x-goog-user-project (refused without it)', async () => {
    const { gke, config, stop } = await emulator({ requireAuth: true, requireQuotaProject: true });
    // User credentials as `gcloud auth application-default login` leaves them: a token and a quota project.
    const user = new OAuth2Client();
    user.quotaProjectId = 'demo-project';
    user.setCredentials({ access_token: 'ya29.user-adc', expiry_date: Date.now() + 3600_000 });
    const adc = createGkeClient({
      ...config,
      tokenSource: adcTokenSource(new GoogleAuth({ authClient: user, scopes: [CLOUD_PLATFORM_SCOPE] })),
    });
    const bare = createGkeClient({ ...config, tokenSource: staticTokenSource('ya29.user-adc') });
    try {
      const env = envOf('user-adc');
      assert.equal((await gkeActivities({ gke: adc, pollMs: 20 }).ensureCluster(inputOf(env))).created, true);
      await assert.rejects(gkeActivities({ gke: bare, pollMs: 20 }).deleteCluster({ env }), (e: Error) => {
        assert.equal(e.name, 'PermissionDeniedError');
        assert.match(e.message, /requires a quota project/);
        return true;
      });
    } finally {
      await Promise.all([adc.close(), bare.close()]);
      await stop();
      void gke;
    }
  });
});
