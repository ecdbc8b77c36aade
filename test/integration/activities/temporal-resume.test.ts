/**
 * Resume after a failed attempt through a real Temporal server and worker: the first attempt of
 * ensureCluster starts the create, heartbeats the operation and then dies; Temporal hands the
 * last heartbeat to the second attempt, which waits for that operation instead of creating again.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { activityInfo } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../../src/activities/index';
import { TransientCloudError } from '../../../src/contract/activity-errors';
import { toTemporalFailure } from '../../../src/contract/temporal-failures';
import type { EnsureClusterInput, EnsureClusterResult } from '../../../src/contract/cluster-io';
import { createGkeClient, type GkeClient } from '../../../src/clients/gke';
import type { RunningEmulator } from '../../../src/emulator';
import { emulator } from '../../helpers/emulator';
import { testTemporalAddress, uniqueTaskQueue } from '../../helpers/temporal';

void describe('resume through Temporal', { timeout: 180_000 }, () => {
  let emu: RunningEmulator;
  let gke: GkeClient;
  let stateDir: string;
  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-resume-'));
    // The create runs 6 s so that the retry arrives while it still runs even on a loaded 2-core machine
    // (with 1.5 s, a retry scheduled late found the cluster RUNNING and adopted it: created:false).
    emu = await emulator({ stateDir, delays: { operationPending: 0, createCluster: 6000 } });
    gke = createGkeClient({ target: 'local', emulatorAddress: emu.address, registryAddress: '127.0.0.1:1' });
  });
  after(async () => {
    await gke?.close();
    await emu?.stop();
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  });

  void it('a retried ensureCluster waits for the create its dead first attempt started (one create, created:true)', async () => {
    const address = await testTemporalAddress();
    const config = { target: 'local' as const, emulatorAddress: emu.address, registryAddress: '127.0.0.1:1' };
    const real = createActivities({
      config,
      gke,
      kubeFor: () => Promise.reject(new Error('unused')),
      timings: { gkePollMs: 50 },
    });
    let creates = 0;
    const counting: GkeClient = { ...gke, createCluster: (p, c) => (creates++, gke.createCluster(p, c)) };
    const counted = createActivities({
      config,
      gke: counting,
      kubeFor: () => Promise.reject(new Error('unused')),
      timings: { gkePollMs: 50 },
    });
    const attempts: number[] = [];
    const activities = {
      ...real,
      ensureCluster: async (input: EnsureClusterInput) => {
        attempts.push(activityInfo().attempt);
        if (activityInfo().attempt > 1) return counted.ensureCluster(input);
        // First attempt: start the create, let it heartbeat the operation, then die mid-wait.
        const running = counted.ensureCluster(input);
        await new Promise((r) => setTimeout(r, 400));
        void running.catch(() => {});
        throw toTemporalFailure(new TransientCloudError('worker lost its connection (simulated)'));
      },
    };
    const taskQueue = uniqueTaskQueue('resume');
    const connection = await NativeConnection.connect({ address });
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: require.resolve('./fixtures/resume-workflows'),
      activities,
    });
    const client = new Client({ connection: await Connection.connect({ address }) });
    const env = {
      id: 'gkeflow/demo-project/asia-east1-a/resumed',
      project: 'demo-project',
      location: 'asia-east1-a',
      cluster: 'resumed',
    };
    const input: EnsureClusterInput = {
      env,
      labels: {},
      nodePools: [{ name: 'default-pool', machineType: 'e2-small', nodeCount: 1 }],
    };
    const result = await worker.runUntil(
      client.workflow.execute('ensureClusterOnce', {
        taskQueue,
        workflowId: `resume-${taskQueue}`,
        args: [input],
      }) as Promise<EnsureClusterResult>,
    );
    await connection.close();
    assert.deepEqual(attempts, [1, 2]);
    assert.equal(creates, 1, 'the second attempt did not create again');
    assert.equal(result.created, true);
    assert.equal(result.status, 'RUNNING');
  });
});
