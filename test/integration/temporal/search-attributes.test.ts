import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../helpers/cli';
import { assertDocumentedShape } from '../../helpers/output-shapes';
import { uniqueTaskQueue } from '../../helpers/temporal';
import { freePort } from '../../../src/process/process';
import { startEphemeralTemporal } from '../../../src/stack/temporal-server';
import { ensureToolchain } from '../../../src/toolchain/toolchain';
import { searchAttributeFlags } from '../../../src/contract/labels';

// A namespace as a real cluster has it before setup: a dev server started WITHOUT gkeflow's
// search attributes. up, worker and schedule create refuse (exit 2, naming each and the fix);
// `gkeflow temporal setup` registers them; then up is accepted.
let server: { address: string; stop: () => Promise<void> };
let dir: string;
let env: NodeJS.ProcessEnv;
const names = searchAttributeFlags().map((f) => f.split('=')[0]!);
const spec = path.join(__dirname, '../../../examples/tensorflow-notebook.yaml');

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-sa-'));
  const tc = await ensureToolchain({ only: ['temporal'] });
  server = await startEphemeralTemporal(tc.temporal, dir, { searchAttributes: false });
  env = {
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: '',
    TEMPORAL_PROFILE: '',
    GKEFLOW_TASK_QUEUE: uniqueTaskQueue('sa'),
    GKEFLOW_EMULATOR_ADDRESS: `127.0.0.1:${await freePort()}`,
    GKEFLOW_STATE_DIR: dir,
  };
});
after(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function assertRefused(r: { code: number; stderr: string }, what: string) {
  assert.equal(r.code, 2, `${what}: ${r.stderr}`);
  for (const n of names) assert.ok(r.stderr.includes(n), `${what} names ${n}: ${r.stderr}`);
  assert.match(r.stderr, /gkeflow temporal setup/);
  assert.match(r.stderr, /\[GKF-TEMPORAL-SETUP\]/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: no stack trace`);
}

void test('without the search attributes, up, worker and schedule create exit 2 naming each and the fix', async () => {
  assertRefused(await runCli(['up', '-f', spec], env, 60_000), 'up');
  assertRefused(await runCli(['worker'], env, 60_000), 'worker');
  assertRefused(await runCli(['schedule', 'create', 'nightly', '--every', '1h'], env, 60_000), 'schedule create');
  const ls = await runCli(['list', '--json'], env, 60_000);
  assert.deepEqual(JSON.parse(ls.stdout), [], 'nothing was started');
});

void test('temporal setup registers the missing attributes; then up is accepted', async () => {
  const missingNs = await runCli(['temporal', 'setup', '--namespace', 'no-such-ns'], env, 60_000);
  assert.equal(missingNs.code, 2, missingNs.stderr);
  assert.match(missingNs.stderr, /namespace 'no-such-ns' does not exist/);
  const first = await runCli(['temporal', 'setup'], env, 60_000);
  assert.equal(first.code, 0, first.stderr);
  for (const n of names) assert.match(first.stdout, new RegExp(`${n}\\s+\\w+\\s+missing`));
  assert.match(first.stdout, /added GkeflowProject.*ready for gkeflow/);
  const again = await runCli(['temporal', 'setup'], env, 60_000);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stdout, /missing/);
  const json = await runCli(['temporal', 'setup', '--output', 'json'], env, 60_000);
  assert.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout) as { ready: boolean; attributes: Array<{ name: string; state: string }> };
  assertDocumentedShape('temporal setup', doc);
  assert.equal(doc.ready, true);
  assert.deepEqual(doc.attributes.map((a) => a.name).sort(), [...names].sort());
  assert.ok(
    doc.attributes.every((a) => a.state === 'ok'),
    json.stdout,
  );
  const up = await runCli(['up', '-f', spec], env, 60_000);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout, /^gkeflow\//);
});
