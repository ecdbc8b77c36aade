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
import { isAlive } from '../../../src/process/process';
import { stackDown } from '../../../src/stack/stack';

const repo = path.resolve(__dirname, '../../..');
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
  const asRoot = process.getuid?.() === 0;
  const target = asRoot ? bystander() : 1; // as root: a root process, signalled by an unprivileged child
  const code = `
    const { stopProcess } = require(${JSON.stringify(path.join(repo, 'src/process/process.ts'))});
    stopProcess(${target}, 200).then(() => process.exit(3), (e) => { console.log(e.name); process.exit(0); });`;
  const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const c = spawn(process.execPath, ['--import', 'tsx', '-e', code], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, TSX_TSCONFIG_PATH: undefined, HOME: os.tmpdir() },
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    children.push(c);
    let stdout = '';
    c.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    const timer = setTimeout(() => c.kill('SIGKILL'), 8000);
    c.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout });
    });
  });
  assert.equal(out.code, 0, `stopProcess returned or hung instead of failing (exit ${out.code})`);
  assert.match(out.stdout, /ProcessPermissionError/);
  assert.equal(isAlive(target), true);
});
