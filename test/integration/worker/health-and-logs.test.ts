// A worker run through the checkout's bin (the CLI in its own process, tsx registered in it)
// against its own Temporal: /readyz answers 200 while it is connected and polling and flips to
// 503 when Temporal goes away; its JSON log lines carry workflow id, run id, activity and
// attempt; /metrics times its steps and counts environments by phase; SIGTERM ends it with exit 0 even with Temporal gone, leaving no child.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { startEnvironment } from '../../../src/client';
import { freePort, waitUntil } from '../../../src/process/process';
import { repoRoot } from '../../../src/paths';
import { uniqueTaskQueue } from '../../../src/stack/local-temporal';
import { startEphemeralTemporal } from '../../../src/stack/temporal-server';
import { ensureToolchain } from '../../../src/toolchain/toolchain';
import { childrenOf, cmdlineOf, startCommand } from '../../helpers/package';
import { exampleSpec } from '../../helpers/walkthrough';

void test('readiness follows Temporal, JSON logs name the run and activity, SIGTERM exits 0', async () => {
  const tc = await ensureToolchain({ only: ['temporal'] });
  const dir = fs.mkdtempSync(path.join(process.env.GKEFLOW_TEST_TMP ?? os.tmpdir(), 'worker-health-'));
  const temporal = await startEphemeralTemporal(tc.temporal, dir);
  const health = await freePort();
  const taskQueue = uniqueTaskQueue('health');
  const worker = startCommand(process.execPath, [path.join(repoRoot, 'bin', 'gkeflow.js'), 'worker'], {
    cwd: dir,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: temporal.address,
      GKEFLOW_TASK_QUEUE: taskQueue,
      // Nothing listens there: the first step fails and is retried, which the logs show.
      GKEFLOW_EMULATOR_ADDRESS: `127.0.0.1:${await freePort()}`,
      GKEFLOW_REGISTRY_ADDRESS: `127.0.0.1:${await freePort()}`,
      GKEFLOW_HEALTH_ADDRESS: `127.0.0.1:${health}`,
      GKEFLOW_LOG_FORMAT: 'json',
      GKEFLOW_SHUTDOWN_GRACE: '2s',
    },
  });
  const pid = worker.child.pid!;
  const readyz = async () => (await fetch(`http://127.0.0.1:${health}/readyz`).catch(() => undefined))?.status;
  const events = () =>
    worker
      .output()
      .stderr.split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  try {
    assert.ok(await waitUntil(async () => (await readyz()) === 200, 120_000), `never ready: ${worker.output().stderr}`);
    assert.deepEqual(childrenOf(pid), [], 'no launcher child: the bin is the worker');
    assert.doesNotMatch(cmdlineOf(pid), /tsx\/cli|spawn/, 'node runs the bin itself');

    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection });
    const s = await startEnvironment(client, exampleSpec('health-logs'), {
      taskQueue,
      tuning: { retryInitialInterval: '100ms', maximumAttempts: 3, shortTimeout: '10s' },
    });
    const failed = () => events().find((e) => e.activity && e.attempt && e.workflowId === s.envId);
    assert.ok(await waitUntil(async () => !!failed(), 60_000), `no activity log line: ${worker.output().stderr}`);
    assert.equal(failed()!.runId, s.runId);
    assert.equal(typeof failed()!.activity, 'string');
    const scrape = async () => (await fetch(`http://127.0.0.1:${health}/metrics`)).text();
    assert.match(
      await scrape(),
      /^gkeflow_step_duration_seconds_count\{step="\w+",outcome="failed"\} [1-9]/m,
      'step attempts timed',
    );
    assert.ok(
      await waitUntil(async () => /^gkeflow_environments\{phase="[a-z-]+"\} 1$/m.test(await scrape()), 40_000, 2000),
      `the environment counted by phase: ${await scrape()}`,
    );
    await connection.close();

    await temporal.stop();
    assert.ok(await waitUntil(async () => (await readyz()) === 503, 30_000), '/readyz flips when Temporal goes away');
    assert.equal((await fetch(`http://127.0.0.1:${health}/healthz`)).status, 200, 'the process itself is still up');

    process.kill(pid, 'SIGTERM');
    const stopped = await Promise.race([worker.exited, new Promise((r) => setTimeout(() => r('timeout'), 60_000))]);
    assert.deepEqual(stopped, { code: 0, signal: null }, worker.output().stderr.slice(-2000));
    assert.ok(
      events().every((e) => typeof e.level === 'string' && typeof e.msg === 'string'),
      'every line is JSON',
    );
  } finally {
    if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await temporal.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
