import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../../src/cli/main';
import { assertDocumentedShape, assertErrorDocument, runJson } from '../../helpers/output-shapes';
import { testTemporalAddress } from '../../helpers/temporal';
import { gate, stubActivities, testInput, withWorker } from '../../helpers/workflows';

// The CLI runs in this process against the real dev server and a worker with stubbed activities.
const dir = fs.mkdtempSync(path.join(process.env.GKEFLOW_TEST_TMP ?? os.tmpdir(), 'output-json-'));

/** A spec file for a fresh environment (its cluster name unique), with no plan steps. */
function specFile(): { file: string; cluster: string } {
  const input = testInput((d) => (d.steps = []));
  const file = path.join(dir, `${input.spec.cluster.name ?? ''}.yaml`);
  fs.writeFileSync(file, stringify(input.spec));
  return { file, cluster: input.spec.cluster.name ?? '' };
}

async function useWorkerQueue(taskQueue: string): Promise<void> {
  process.env.TEMPORAL_ADDRESS = await testTemporalAddress();
  process.env.GKEFLOW_TASK_QUEUE = taskQueue;
  process.env.GKEFLOW_EMULATOR_ADDRESS = '127.0.0.1:9'; // the preflight is skipped with a warning
}

void test('every environment command prints its documented JSON document, up --wait to down --wait', async () => {
  await withWorker(stubActivities(), async ({ taskQueue }) => {
    await useWorkerQueue(taskQueue);
    const { file, cluster } = specFile();
    const up = await runJson(['up', '-f', file, '--wait', '--timeout', '2m', '--output', 'json']);
    assert.equal(up.code, 0, up.stderr);
    assertDocumentedShape('up --wait', up.doc);
    const env = up.doc as { envId: string; kubeconfigCommand: string; endpoint: unknown; expiresAt: string };
    assert.match(env.envId, new RegExp(`/${cluster}$`));
    assert.match(env.kubeconfigCommand, new RegExp(`gkeflow kubeconfig ${cluster}`));
    assert.ok(Date.parse(env.expiresAt) > Date.now());

    const again = await runJson(['up', '-f', file, '--json']);
    assertDocumentedShape('up', again.doc);
    assert.equal((again.doc as { started: boolean }).started, false, 'attached');

    for (const [name, argv] of [
      ['status', ['status', cluster]],
      ['history', ['history', cluster]],
      ['open', ['open', cluster]],
      ['list', ['list']],
      ['scale', ['scale', cluster, '--replicas', '3', '--timeout', '1m']],
      ['resize', ['resize', cluster, '--pool', 'default-pool', '--nodes', '3']],
      ['extend', ['extend', cluster, '--ttl', '2h']],
    ] as const) {
      const r = await runJson([...argv, '--output', 'json']);
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assertDocumentedShape(name, r.doc);
    }
    const rejected = await runJson(['resize', cluster, '--pool', 'no-such-pool', '--nodes', '3', '-o', 'json']);
    assert.equal(rejected.code, 2);
    assertErrorDocument(rejected.doc, 'GKF-USAGE');

    const down = await runJson(['down', cluster, '--wait', '--yes', '--output', 'json']);
    assert.equal(down.code, 0, down.stderr);
    assertDocumentedShape('down --wait', down.doc);
    const closed = await runJson(['scale', cluster, '--replicas', '1', '--json']);
    assert.equal(closed.code, 2);
    assertErrorDocument(closed.doc, 'GKF-USAGE');
  });
});

void test('up --wait --output jsonl prints status events, then the environment as the last line', async () => {
  await withWorker(stubActivities(), async ({ taskQueue }) => {
    await useWorkerQueue(taskQueue);
    const { file, cluster } = specFile();
    const lines: string[] = [];
    const code = await main(['up', '-f', file, '--wait', '-o', 'jsonl'], {
      stdout: (l) => lines.push(l),
      stderr: () => {},
    });
    assert.equal(code, 0);
    const docs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(docs.length >= 2, lines.join('\n'));
    for (const d of docs.slice(0, -1)) assert.equal(d.event, 'status');
    assertDocumentedShape('up --wait', docs.at(-1));
    await runJson(['down', cluster, '--wait', '--yes', '--json']);
  });
});

void test('up --wait --timeout ends the wait with exit 1 saying where it stood; the workflow goes on', async () => {
  const stub = stubActivities();
  const held = gate();
  const ensure = stub.activities.ensureCluster;
  stub.activities.ensureCluster = async (...a) => {
    await held.opened;
    return ensure(...a);
  };
  await withWorker(stub, async ({ taskQueue, client }) => {
    await useWorkerQueue(taskQueue);
    const { file } = specFile();
    const t0 = Date.now();
    const r = await runJson(['up', '-f', file, '--wait', '--timeout', '3s', '--output', 'json']);
    assert.equal(r.code, 1);
    assert.ok(Date.now() - t0 < 20_000, 'the timeout ended the wait');
    const [problem] = assertErrorDocument(r.doc, 'GKF-WAIT-TIMEOUT');
    assert.match(problem!.message, /ran out .*stood at: provisioning/);
    const envId = (/waiting for (\S+);/.exec(problem!.message) ?? [])[1]!;
    const d = await client.workflow.getHandle(envId).describe();
    assert.equal(d.status.name, 'RUNNING', 'the workflow goes on');
    held.open();
    await client.workflow.getHandle(envId).terminate('test done');
  });
});
