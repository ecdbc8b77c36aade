import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../helpers/cli';
import { testTemporalAddress } from '../../helpers/temporal';
import { freePort } from '../../../src/process/process';
import { repoRoot } from '../../../src/paths';
import { workerPolling } from '../../../src/stack/temporal-server';

// Temporal's environment configuration drives gkeflow as it drives the `temporal` CLI: a TOML
// profile picked with TEMPORAL_PROFILE or --profile; a bad profile is bad input (exit 2).
let dir: string;
let file: string;
let nowhere: string;
// TEMPORAL_ADDRESS would beat the profile: make sure none leaks in from the caller.
const clean = { TEMPORAL_ADDRESS: '', TEMPORAL_NAMESPACE: '', GKEFLOW_TEMPORAL_PORT: '' };

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-profile-'));
  nowhere = `127.0.0.1:${await freePort()}`;
  file = path.join(dir, 'temporal.toml');
  fs.writeFileSync(
    file,
    [
      '[profile.test]',
      `address = "${await testTemporalAddress()}"`,
      'namespace = "default"',
      '',
      '[profile.nowhere]',
      `address = "${nowhere}"`,
      '',
    ].join('\n'),
  );
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

void test('a profile selected with TEMPORAL_PROFILE (or --profile) drives gkeflow list', async () => {
  const r = await runCli(['list', '--json'], { ...clean, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'test' });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Array.isArray(JSON.parse(r.stdout)));
  const flag = await runCli(['list', '--profile', 'test', '--json'], { ...clean, TEMPORAL_CONFIG_FILE: file });
  assert.equal(flag.code, 0, flag.stderr);
});

void test('a profile drives the worker: it polls its task queue on the profile’s server', async () => {
  const queue = `profile-test-${process.pid}`;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), 'worker'], {
    cwd: repoRoot,
    env: { ...process.env, ...clean, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'test', GKEFLOW_TASK_QUEUE: queue },
    stdio: 'ignore',
  });
  try {
    const deadline = Date.now() + 30_000;
    let polling = false;
    while (!polling && Date.now() < deadline) {
      polling = await workerPolling(await testTemporalAddress(), queue).catch(() => false);
      if (!polling) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(polling, 'the worker polls on the server the profile names');
  } finally {
    child.kill('SIGTERM');
  }
});

void test('a profile pointing nowhere fails with exit 2 naming the address; an unknown profile exits 2', async () => {
  const r = await runCli(['list'], { ...clean, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'nowhere' });
  assert.equal(r.code, 2, r.stderr);
  assert.ok(r.stderr.includes(nowhere), r.stderr);
  assert.match(r.stderr, /\[GKF-PROFILE\]/);
  const u = await runCli(['list', '--profile', 'missing'], { ...clean, TEMPORAL_CONFIG_FILE: file });
  assert.equal(u.code, 2, u.stderr);
  assert.match(u.stderr, /unknown Temporal profile 'missing'/);
});
