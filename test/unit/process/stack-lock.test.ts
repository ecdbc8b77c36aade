// `stack up` and `stack down` hold a lock in the state dir: one waits for the other instead of
// removing the pid files of services the other is starting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withDirLock } from '../../../src/process/lock';
import { stackDown } from '../../../src/stack/stack';

void test('stack down waits while another stack up/down holds the state dir', async () => {
  const stateDir = fs.mkdtempSync(path.join(process.env.GKEFLOW_TEST_TMP ?? os.tmpdir(), 'stack-lock-'));
  const run = path.join(stateDir, 'run');
  fs.mkdirSync(run, { recursive: true });
  const pidFile = path.join(run, 'worker.json');
  const logs: string[] = [];
  let down: Promise<void> | undefined;
  // A `stack up` in progress: it holds the lock and has just written a pid file.
  await withDirLock(
    path.join(run, 'stack.lock'),
    () => {},
    'busy',
    async () => {
      fs.writeFileSync(pidFile, JSON.stringify({ pid: process.pid, cmd: 'node', startedAt: '', startTime: 'x' }));
      down = stackDown({ log: (l) => logs.push(l), env: { ...process.env, GKEFLOW_STATE_DIR: stateDir } });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(fs.existsSync(pidFile), true, 'the pid file of the running up is untouched');
      assert.ok(
        logs.some((l) => /waiting/.test(l)),
        logs.join('\n'),
      );
    },
  );
  await down;
  assert.ok(logs.includes('stack is down'));
});
