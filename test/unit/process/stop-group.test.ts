// Stopping a service stops all of it: the children of a group leader that ignore SIGTERM are
// killed after the grace even though the leader itself exited on SIGTERM, and `stack down`
// keeps a service's pid file until its process is really gone.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive, processStartTime, startProcess, stopProcess } from '../../../src/process/process';
import { stackDown } from '../../../src/stack/stack';

const tmp = (p: string) => fs.mkdtempSync(path.join(process.env.GKEFLOW_TEST_TMP ?? os.tmpdir(), p));
const leftovers: number[] = [];
after(() => {
  for (const pid of leftovers)
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
});

async function waitFor(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

void test('stopProcess kills the children that ignore SIGTERM after their group leader exited', async () => {
  const dir = tmp('group-');
  const childPidFile = path.join(dir, 'child.pid');
  // The leader (default SIGTERM: exits) starts a child in its group that ignores SIGTERM.
  const child = `process.on('SIGTERM', () => {}); require('node:fs').writeFileSync(${JSON.stringify(childPidFile)}, String(process.pid)); setInterval(() => {}, 1000);`;
  const leader = `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(child)}], { stdio: 'ignore' }); setInterval(() => {}, 1000);`;
  const pid = startProcess({
    cmd: process.execPath,
    args: ['-e', leader],
    logFile: path.join(dir, 'log'),
    detached: true,
  });
  leftovers.push(pid);
  await waitFor('the child started', () => fs.existsSync(childPidFile) && fs.readFileSync(childPidFile, 'utf8') !== '');
  const childPid = Number(fs.readFileSync(childPidFile, 'utf8'));
  leftovers.push(childPid);
  await new Promise((r) => setTimeout(r, 200)); // the child's SIGTERM handler is installed
  await stopProcess({ pid, startTime: processStartTime(pid) }, 500);
  assert.equal(isAlive(pid), false, 'the leader is gone');
  assert.equal(isAlive(childPid), false, 'and so is the child that ignored SIGTERM');
});

void test('stack down keeps the pid file of a process it could not stop', async () => {
  const stateDir = tmp('stack-');
  const c: ChildProcess = spawn('sleep', ['300'], { stdio: 'ignore' });
  leftovers.push(c.pid!);
  await waitFor('sleep exec', () => {
    try {
      return fs.readFileSync(`/proc/${c.pid}/cmdline`, 'utf8').startsWith('sleep');
    } catch {
      return false;
    }
  });
  fs.mkdirSync(path.join(stateDir, 'run'), { recursive: true });
  const file = path.join(stateDir, 'run', 'worker.json');
  fs.writeFileSync(
    file,
    JSON.stringify({ pid: c.pid, startTime: processStartTime(c.pid!), cmd: 'sleep', startedAt: '' }),
  );
  const realKill = process.kill.bind(process);
  const eperm = Object.assign(new Error('kill EPERM'), { code: 'EPERM', errno: -1, syscall: 'kill' });
  process.kill = ((p: number, sig?: string | number) => {
    if (Math.abs(p) === c.pid && sig !== 0) throw eperm;
    return realKill(p, sig);
  }) as typeof process.kill;
  try {
    await assert.rejects(stackDown({ log: () => {}, env: { ...process.env, GKEFLOW_STATE_DIR: stateDir } }));
  } finally {
    process.kill = realKill;
  }
  assert.equal(isAlive(c.pid!), true);
  assert.equal(fs.existsSync(file), true, 'the pid file stays while its process runs');
  c.kill('SIGKILL');
});
