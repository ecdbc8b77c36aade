// A pid file can outlive its process and name an unrelated one once the pid is reused: `stack
// down` and stopKwokCluster check start time and executable before they signal, and stopProcess
// gives up on a process it may not signal instead of waiting for it forever.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stopKwokCluster } from '../../../src/emulator/runtime/kwok-cluster';
import { isAlive, ProcessPermissionError, stopProcess } from '../../../src/process/process';
import { stackDown } from '../../../src/stack/stack';

const children: ChildProcess[] = [];
after(() => children.forEach((c) => c.kill('SIGKILL')));

/** An unrelated long-running process: what a recycled pid would name. */
function bystander(): number {
  const c = spawn('sleep', ['300'], { stdio: 'ignore' });
  children.push(c);
  return c.pid!;
}

const tmp = (p: string) => fs.mkdtempSync(path.join(process.env.GKEFLOW_TEST_TMP ?? os.tmpdir(), p));

void test('stack down leaves alone a process whose pid a service once had (start time differs)', async () => {
  const stateDir = tmp('stack-');
  const pid = bystander();
  fs.mkdirSync(path.join(stateDir, 'run'), { recursive: true });
  // The record of a worker that ran under this pid long ago: same command, another start time.
  const rec = { pid, cmd: 'sleep', startedAt: '2020-01-01T00:00:00Z', startTime: '1' };
  fs.writeFileSync(path.join(stateDir, 'run', 'worker.json'), JSON.stringify(rec));
  await stackDown({ log: () => {}, env: { ...process.env, GKEFLOW_STATE_DIR: stateDir } });
  assert.equal(isAlive(pid), true, 'the bystander survives');
  assert.equal(fs.existsSync(path.join(stateDir, 'run', 'worker.json')), false, 'the stale pid file is gone');
});

void test('stopKwokCluster leaves alone a process named by a pid file that does not run the component', async () => {
  const workdir = tmp('kwok-');
  const dir = path.join(workdir, 'clusters', 'c1');
  fs.mkdirSync(path.join(dir, 'pids'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'kwok.yaml'), 'kind: KwokctlConfiguration\n');
  fs.symlinkSync(process.execPath, path.join(dir, 'bin', 'etcd')); // etcd's binary is not `sleep`
  const pid = bystander();
  fs.writeFileSync(path.join(dir, 'pids', 'etcd.pid'), String(pid));
  const toolchain = { kwokctl: '/nonexistent/kwokctl' } as never;
  await stopKwokCluster({ name: 'c1', workdir, toolchain });
  assert.equal(isAlive(pid), true, 'the bystander survives');
});

void test('stopProcess on a process it may not signal (EPERM) fails fast instead of looping', async () => {
  // The kernel's answer is simulated (process.kill throws EPERM for this pid), so the test does not
  // depend on which user runs it or whether another user can read the checkout.
  const target = bystander();
  const realKill = process.kill.bind(process);
  const eperm = Object.assign(new Error('kill EPERM'), { code: 'EPERM', errno: -1, syscall: 'kill' });
  process.kill = ((pid: number, sig?: string | number) => {
    if (Math.abs(pid) === target) throw eperm;
    return realKill(pid, sig);
  }) as typeof process.kill;
  try {
    const started = Date.now();
    await assert.rejects(stopProcess(target, 200), (e: Error) => e instanceof ProcessPermissionError);
    assert.ok(Date.now() - started < 5000, 'gave up quickly');
  } finally {
    process.kill = realKill;
  }
  assert.equal(isAlive(target), true);
});
