// A lock whose pid now names another process (the kernel reused it, or it is a foreign one) is
// stale: the owner's start time is written with its pid, and checked before anyone waits on it.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withDirLock } from '../../../src/process/lock';
import { processStartTime } from '../../../src/process/process';

const children: ChildProcess[] = [];
after(() => children.forEach((c) => c.kill('SIGKILL')));

/** A live process that never held the lock: what a reused pid names. */
function bystander(): number {
  const c = spawn('sleep', ['300'], { stdio: 'ignore' });
  children.push(c);
  return c.pid!;
}

function lockOf(pid: number, start?: string): string {
  const dir = fs.mkdtempSync(path.join(process.env.GKEFLOW_TEST_TMP ?? os.tmpdir(), 'lock-pid-'));
  const lock = path.join(dir, 'stack.lock');
  fs.mkdirSync(lock);
  fs.writeFileSync(path.join(lock, 'pid'), String(pid));
  if (start !== undefined) fs.writeFileSync(path.join(lock, 'start'), start);
  return lock;
}

/** Whether withDirLock got in within ms. */
async function enters(lock: string, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  const got = withDirLock(
    lock,
    () => {},
    'busy',
    () => Promise.resolve(true as const),
    20,
  );
  try {
    return await Promise.race([got, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

void test('a lock naming a live process with another start time is taken over', async () => {
  assert.equal(await enters(lockOf(bystander(), '1'), 3000), true);
});

void test('a pid-only lock older than the live process its pid names is taken over', async () => {
  const pid = bystander();
  const lock = lockOf(pid);
  const hourAgo = new Date(Date.now() - 3600_000);
  fs.utimesSync(lock, hourAgo, hourAgo);
  assert.equal(await enters(lock, 3000), true);
});

void test('a lock its live owner holds (pid and start time match) is waited for', async () => {
  const pid = bystander();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await enters(lockOf(pid, processStartTime(pid)), 500), false);
  assert.equal(await enters(lockOf(pid), 500), false, 'a pid-only lock made after its owner started');
});
