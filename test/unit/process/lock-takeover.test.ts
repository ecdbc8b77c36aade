// The stale-lock takeover cannot race: processes that find a dead owner's lock at the same
// moment take it over one at a time, never two inside at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repo = path.resolve(__dirname, '../../..');

/** A pid that no process has any more: a child that already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString() as never;
}

const child = (lock: string, log: string, startAt: number) => `
const fs = require('node:fs');
// Widen the window between finding the dead owner and removing its lock, as a slow disk would.
const slow = (p) => { if (p === ${JSON.stringify(lock)}) { const t = Date.now() + 100; while (Date.now() < t) {} } };
const rmSync = fs.rmSync;
fs.rmSync = (p, o) => (slow(p), rmSync(p, o));
const renameSync = fs.renameSync;
fs.renameSync = (a, b) => (slow(a), renameSync(a, b));
const { withDirLock } = require(${JSON.stringify(path.join(repo, 'src/process/lock.ts'))});
while (Date.now() < ${startAt}) {} // all start at the same instant
withDirLock(${JSON.stringify(lock)}, () => {}, 'busy', async () => {
  fs.appendFileSync(${JSON.stringify(log)}, 'in\\n');
  await new Promise((r) => setTimeout(r, 150));
  fs.appendFileSync(${JSON.stringify(log)}, 'out\\n');
}, 20).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
`;

void test('two processes taking over a dead owner’s lock at once: one winner at a time', async () => {
  for (let round = 0; round < 2; round++) {
    const dir = fs.mkdtempSync(path.join(process.env.GKEFLOW_TEST_TMP ?? os.tmpdir(), 'lock-race-'));
    const lock = path.join(dir, 'entry.lock');
    const log = path.join(dir, 'log');
    fs.mkdirSync(lock);
    fs.writeFileSync(path.join(lock, 'pid'), String(deadPid()));
    const startAt = Date.now() + 2500; // after every child has loaded tsx
    const codes = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<number>((resolve) => {
            const p = spawn(process.execPath, ['--import', 'tsx', '-e', child(lock, log, startAt)], {
              cwd: repo,
              stdio: ['ignore', 'ignore', 'inherit'],
            });
            p.on('close', (c) => resolve(c ?? 1));
          }),
      ),
    );
    assert.deepEqual(codes, [0, 0, 0, 0]);
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
    assert.deepEqual(
      lines,
      Array.from({ length: 4 }, () => ['in', 'out']).flat(),
      `round ${round}: ${lines.join(' ')}`,
    );
    assert.equal(fs.existsSync(lock), false);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
