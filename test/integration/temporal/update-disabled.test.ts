import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { runCli } from '../../helpers/cli';
import { assertDocumentedShape } from '../../helpers/output-shapes';
import { reaperActivities } from '../../../src/activities/reaper';
import type { GkeClient } from '../../../src/clients/gke';
import { uniqueTaskQueue } from '../../helpers/temporal';
import { ENVIRONMENT_WORKFLOW } from '../../../src/contract/messages';
import { startEphemeralTemporal } from '../../../src/stack/temporal-server';
import { ensureToolchain } from '../../../src/toolchain/toolchain';

// Workflow Update off (frontend.enableUpdateWorkflowExecution=false): scale says so with the
// server version needed (exit 2, no stack trace); down falls back to cancel (the workflow's
// cleanup runs on cancellation).
let server: { address: string; stop: () => Promise<void> };
let dir: string;
let env: NodeJS.ProcessEnv;
const envId = `gkeflow/upd-${process.pid}/us-central1/c1`;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-upd-'));
  const tc = await ensureToolchain({ only: ['temporal'] });
  server = await startEphemeralTemporal(tc.temporal, dir, {
    dynamicConfig: ['frontend.enableUpdateWorkflowExecution=false'],
  });
  env = { TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: '', TEMPORAL_PROFILE: '', GKEFLOW_STATE_DIR: dir };
  // An environment run that no worker picks up: it stays RUNNING, which is all the commands check.
  const connection = await Connection.connect({ address: server.address });
  await new Client({ connection }).workflow.start(ENVIRONMENT_WORKFLOW, {
    workflowId: envId,
    taskQueue: uniqueTaskQueue('upd'),
    args: [{}],
  });
  await connection.close();
});
after(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

void test('scale on a server with Workflow Update off exits 2 naming the server version needed', async () => {
  const r = await runCli(['scale', envId, '--replicas', '2'], env, 90_000);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /Workflow Update/);
  assert.match(r.stderr, />= 1\.25/);
  assert.match(r.stderr, /\[GKF-UPDATE-UNSUPPORTED\]/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

void test('down on a server with Workflow Update off falls back to cancel', async () => {
  const r = await runCli(['down', envId, '--yes'], env, 90_000);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /cancelled/);
  const connection = await Connection.connect({ address: server.address });
  try {
    const history = await new Client({ connection }).workflow.getHandle(envId).fetchHistory();
    assert.ok(
      history.events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes),
      'a cancel request is in the history',
    );
  } finally {
    await connection.close();
  }
});

void test('down -o json on a server with Workflow Update off prints the result document of the cancel fallback', async () => {
  const id = `gkeflow/upd-json-${process.pid}/us-central1/c3`;
  const connection = await Connection.connect({ address: server.address });
  try {
    await new Client({ connection }).workflow.start(ENVIRONMENT_WORKFLOW, {
      workflowId: id,
      taskQueue: uniqueTaskQueue('upd'),
      args: [{}],
    });
  } finally {
    await connection.close();
  }
  const r = await runCli(['down', id, '--yes', '-o', 'json'], env, 90_000);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  assertDocumentedShape('down', doc);
  assert.equal(doc.envId, id);
  assert.equal(doc.teardown, 'cancelled');
  assert.equal(doc.byCancel, true);
  assert.match(r.stderr, /cancelled/, 'the explanation stays on stderr');
});

void test("the reaper's end of an environment falls back to cancel when Workflow Update is off", async () => {
  const id = `gkeflow/upd-reap-${process.pid}/us-central1/c2`;
  const connection = await Connection.connect({ address: server.address });
  try {
    const client = new Client({ connection });
    await client.workflow.start(ENVIRONMENT_WORKFLOW, {
      workflowId: id,
      taskQueue: uniqueTaskQueue('upd'),
      args: [{}],
    });
    const acts = reaperActivities({ gke: {} as GkeClient, client: () => client, heartbeatMs: 100 });
    // No worker runs this environment, so its cancellation never finishes on its own: once the
    // cancel request is in its history, the test ends the run, which ends the activity's wait.
    const mock = new MockActivityEnvironment();
    // Caught at once: the activity may end while the test still terminates the run.
    const ended = mock.run(acts.endEnvironment, { envId: id, reason: 'expired' }).then(
      (): Error & { type?: string } => new Error('endEnvironment resolved'),
      (e: unknown) => e as Error & { type?: string },
    );
    const h = client.workflow.getHandle(id);
    for (let i = 0; i < 100; i++) {
      const history = await h.fetchHistory();
      if (history.events?.some((e) => e.workflowExecutionCancelRequestedEventAttributes)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await h.terminate('test: the run has no worker to finish its cancellation');
    const e = await ended;
    assert.equal(e.type, 'EnvironmentClosingError', String(e));
    assert.match(e.message, /ended by cancellation/);
    assert.match(e.message, />= 1\.25/);
  } finally {
    await connection.close();
  }
});
