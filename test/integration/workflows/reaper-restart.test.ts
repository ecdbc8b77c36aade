/**
 * A reaper whose worker dies mid-run (SIGKILL of the worker's own process, while teardowns are
 * deleting clusters) finishes once a new worker polls its task queue: Temporal replays the
 * reaper and its teardown children, and the deletes resume from their heartbeats.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { ReaperInput, ReapReport } from '../../../src/workflows/reaper';
import { REAPER_TUNING, TEST_OWNER, startReaperCloud, withReaperWorker, type ReaperCloud } from '../../helpers/reaper';
import { tempStateDir } from '../../helpers/emulator';
import { testTemporalAddress, uniqueTaskQueue } from '../../helpers/temporal';
import { eventually, workflowBundle } from '../../helpers/workflows';

const HOUR = 3_600_000;

function startWorkerProcess(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'reaper-worker.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker process exited early (${code})`)));
  });
}

void describe('reaper after a worker crash', { timeout: 240_000 }, () => {
  let cloud: ReaperCloud;
  before(async () => {
    // Slow deletes, so the worker is killed while teardowns are waiting for their operations.
    cloud = await startReaperCloud({ delays: { deleteCluster: 1500 } });
  });
  after(async () => {
    await cloud?.stop();
  });

  void it('a reaper whose worker is killed mid-run finishes after a new worker starts', async () => {
    const p = `crash-${process.pid % 10000}`;
    const names = Array.from({ length: 6 }, (_, i) => `doomed-${i}`);
    for (const name of names) await cloud.create({ project: p, name, expiresInMs: -HOUR });
    const address = await testTemporalAddress();
    const taskQueue = uniqueTaskQueue('reaper-crash');
    const bundle = await workflowBundle();
    const bundleFile = path.join(tempStateDir('reaper-bundle-'), 'workflows.js');
    fs.writeFileSync(bundleFile, bundle.code);
    const worker = await startWorkerProcess({
      REAPER_BUNDLE: bundleFile,
      REAPER_TEMPORAL: address,
      REAPER_TASK_QUEUE: taskQueue,
      REAPER_EMULATOR: cloud.emulator.address,
    });
    const connection = await Connection.connect({ address });
    try {
      const client = new Client({ connection });
      const input: ReaperInput = { projects: [p], parallelism: 2, tuning: REAPER_TUNING, owner: TEST_OWNER };
      const h = await client.workflow.start<(i: ReaperInput) => Promise<ReapReport>>('reaperWorkflow', {
        workflowId: `reap-crash-${Date.now()}`,
        taskQueue,
        args: [input],
      });
      // Mid-run: some clusters are being deleted, most still exist.
      await eventually(
        async () => (await cloud.gke.listClusters(`projects/${p}/locations/-`)).map((c) => String(c.status)),
        (st) => st.includes('STOPPING'),
        60_000,
      );
      worker.kill('SIGKILL');
      await new Promise((r) => worker.once('exit', r));
      assert.ok((await cloud.names(p)).length > 0, 'the reaper finished before the kill; nothing was tested');
      const report = await withReaperWorker(await workflowBundle(), cloud.activities, () => h.result(), taskQueue);
      assert.deepEqual(report.failed, []);
      assert.deepEqual(report.deleted.map((e) => e.cluster).sort(), names);
      assert.deepEqual(await cloud.names(p), []);
    } finally {
      if (worker.exitCode === null) worker.kill('SIGKILL');
      await connection.close();
    }
  });
});
