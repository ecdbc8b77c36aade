/**
 * `gkeflow up` on a running environment of gkeflow's own `deployment:`/`service:` (docs/app.md):
 * the same spec attaches; a changed one is printed, then refused with exit 2 naming each field,
 * and nothing is sent to the environment. The CLI runs in this process against the real dev
 * server and a worker with stubbed activities.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { specQuery } from '../../../src/contract/messages';
import { assertErrorDocument, runJson } from '../../helpers/output-shapes';
import { testTemporalAddress } from '../../helpers/temporal';
import { stubActivities, testInput, withWorker } from '../../helpers/workflows';

const dir = fs.mkdtempSync(path.join(process.env.GKEFLOW_TEST_TMP ?? os.tmpdir(), 'up-running-'));

void test('up with a changed spec on a running deployment: environment prints the change and exits 2 naming each field; nothing is sent', async () => {
  const stub = stubActivities();
  await withWorker(stub, async ({ client, taskQueue }) => {
    process.env.TEMPORAL_ADDRESS = await testTemporalAddress();
    process.env.GKEFLOW_TASK_QUEUE = taskQueue;
    process.env.GKEFLOW_EMULATOR_ADDRESS = '127.0.0.1:9'; // the preflight is skipped with a warning
    const input = testInput((d) => (d.steps = []));
    const file = path.join(dir, `${input.spec.cluster.name}.yaml`);
    fs.writeFileSync(file, stringify(input.spec));
    const up = await runJson(['up', '-f', file, '--wait', '--timeout', '2m', '--json']);
    assert.equal(up.code, 0, up.stderr);
    const envId = (up.doc as { envId: string }).envId;

    const same = await runJson(['up', '-f', file, '--json']);
    assert.equal(same.code, 0, same.stderr);
    assert.equal((same.doc as { started: boolean }).started, false, 'the same spec attaches');

    const changed = JSON.parse(JSON.stringify(input.spec)) as typeof input.spec & {
      deployment: { replicas: number };
      image: { tag: string };
    };
    changed.image.tag = 'v2';
    changed.deployment.replicas = 5;
    fs.writeFileSync(file, stringify(changed));
    const calls = stub.calls.length;
    const r = await runJson(['up', '-f', file, '--json']);
    assert.equal(r.code, 2, r.stderr);
    const problems = assertErrorDocument(r.doc, 'GKF-SPEC-INVALID');
    assert.deepEqual(problems.map((p) => p.path).sort(), ['deployment.replicas', 'image.tag']);
    assert.match(problems.find((p) => p.path === 'deployment.replicas')!.message, /gkeflow scale/);
    assert.match(r.stderr, /changes:\n {2}deployment\.replicas: 2 → 5\n {2}image\.tag: "v1" → "v2"/);
    assert.equal(stub.calls.length, calls, 'no activity ran');
    const running = await client.workflow.getHandle(envId).query(specQuery);
    assert.equal(running.image?.tag, 'v1', 'the environment keeps its spec');

    const down = await runJson(['down', envId, '--wait', '--yes', '--json']);
    assert.equal(down.code, 0, down.stderr);
  });
});
