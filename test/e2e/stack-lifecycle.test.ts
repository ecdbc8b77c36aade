import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli';
import { freePort, isAlive } from '../../src/process/process';

// One real stack in a temp state dir on free ports, so it never meets a developer's own stack.
let env: NodeJS.ProcessEnv;
let stateDir: string;

before(async () => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-stack-'));
  env = {
    GKEFLOW_STATE_DIR: stateDir,
    GKEFLOW_TEMPORAL_PORT: String(await freePort()),
    GKEFLOW_UI_PORT: String(await freePort()),
    GKEFLOW_REGISTRY_PORT: String(await freePort()),
    GKEFLOW_EMULATOR_PORT: String(await freePort()),
    GKEFLOW_EMULATOR_ADMIN_PORT: String(await freePort()),
    GKEFLOW_CODEC_PORT: String(await freePort()),
    GKEFLOW_UI_BACKEND_PORT: String(await freePort()),
  };
});

after(async () => {
  await runCli(['stack', 'down'], env);
  fs.rmSync(stateDir, { recursive: true, force: true });
});

interface Row {
  name: string;
  state: string;
  pid?: number;
  address: string;
  log: string;
}

async function status(): Promise<Row[]> {
  const r = await runCli(['stack', 'status', '--json'], env);
  return JSON.parse(r.stdout) as Row[];
}

void test('a port held by another process fails up with exit 2 naming the port and its variable, starting nothing', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(Number(env.GKEFLOW_REGISTRY_PORT), '127.0.0.1', r));
  try {
    const r = await runCli(['stack', 'up'], env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr.trim(),
      new RegExp(
        `^gkeflow: port 127\\.0\\.0\\.1:${env.GKEFLOW_REGISTRY_PORT} for the image registry is already in use.*GKEFLOW_REGISTRY_PORT`,
      ),
    );
    for (const s of await status()) assert.equal(s.state, 'stopped', `${s.name} must not have started`);
  } finally {
    blocker.close();
  }
});

void test(
  'up starts every service healthy, a second up changes nothing, the walkthrough runs through the CLI ' +
    'and survives a killed worker, down stops them all',
  async () => {
    const up = await runCli(['stack', 'up'], env);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /temporal\s+running/);
    const first = await status();
    assert.ok(first.length >= 2);
    for (const s of first) {
      assert.equal(
        s.state,
        'running',
        `${s.name}: ${fs.existsSync(s.log) ? fs.readFileSync(s.log, 'utf8').slice(-2000) : ''}`,
      );
      assert.ok(s.pid && isAlive(s.pid));
    }
    assert.ok(
      fs.existsSync(path.join(stateDir, 'temporal.db')),
      'Temporal keeps its state in SQLite under the state dir',
    );
    const registry = await fetch(`http://127.0.0.1:${env.GKEFLOW_REGISTRY_PORT}/v2/`);
    assert.equal(registry.status, 200);

    const again = await runCli(['stack', 'up'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /temporal: already running/);
    assert.deepEqual(
      (await status()).map((s) => s.pid),
      first.map((s) => s.pid),
      'same processes',
    );

    // The walkthrough through the CLI on this stack, as `npm start` runs it — with the worker
    // killed (SIGKILL) while GKE is creating the cluster: a restarted worker resumes the run.
    const started = await runCli(['up', '-f', 'examples/tensorflow-notebook.yaml'], env);
    assert.equal(started.code, 0, started.stderr);
    const envId = started.stdout.trim();
    for (let i = 0; ; i++) {
      const js = await runCli(['status', envId, '--json'], env);
      if ((JSON.parse(js.stdout) as { resources?: { cluster?: string } }).resources?.cluster === 'creating') break;
      assert.ok(i < 100, `cluster creation never seen: ${js.stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const workerPid = first.find((s) => s.name === 'worker')!.pid!;
    process.kill(workerPid, 'SIGKILL');
    while (isAlive(workerPid)) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await status()).find((s) => s.name === 'worker')!.state, 'stopped');
    const restart = await runCli(['stack', 'up'], env);
    assert.equal(restart.code, 0, restart.stderr);
    assert.match(restart.stderr, /worker: healthy/);
    const upEnv = await runCli(['up', '-f', 'examples/tensorflow-notebook.yaml', '--wait'], env);
    assert.equal(upEnv.code, 0, upEnv.stderr);
    assert.match(upEnv.stderr, /^attached to gkeflow\/gkeflow-demo\/asia-east1-a\/tensorflow-cluster001/m);
    assert.match(upEnv.stdout, /tensorflow-cluster001 is running/);
    assert.match(upEnv.stdout, /endpoint +http:\/\/127\.\d+\.\d+\.\d+:8888/);
    assert.match(upEnv.stdout, /kubeconfig +npx gkeflow kubeconfig tensorflow-cluster001/);
    assert.match(
      upEnv.stderr,
      new RegExp(
        `Web UI: http://127\\.0\\.0\\.1:${env.GKEFLOW_UI_PORT}/namespaces/default/workflows/gkeflow%2Fgkeflow-demo`,
      ),
    );
    const st = await runCli(['status', 'tensorflow-cluster001', '--json'], env);
    assert.equal(st.code, 0, st.stderr);
    const envState = JSON.parse(st.stdout) as { phase: string; replicas: number; poolSizes: Record<string, number> };
    assert.equal(envState.phase, 'running');
    assert.equal(envState.replicas, 5);
    assert.deepEqual(envState.poolSizes, { 'default-pool': 3 });
    const scaled = await runCli(['scale', 'tensorflow-cluster001', '--replicas', '3'], env);
    assert.equal(scaled.code, 0, scaled.stderr);
    assert.match(scaled.stdout, /to 3 replicas; 3 of 3 ready after [\d.]+ s$/m);
    const rejected = await runCli(['resize', 'tensorflow-cluster001', '--pool', 'gpu-pool', '--nodes', '2'], env);
    assert.equal(rejected.code, 2, rejected.stderr);
    assert.match(rejected.stderr, /resize rejected: pool: no node pool named "gpu-pool" \(known: default-pool\)/);
    const resized = await runCli(['resize', 'tensorflow-cluster001', '--pool', 'default-pool', '--nodes', '2'], env);
    assert.equal(resized.code, 0, resized.stderr);
    const changed = JSON.parse((await runCli(['status', 'tensorflow-cluster001', '--json'], env)).stdout) as {
      replicas: number;
      poolSizes: Record<string, number>;
    };
    assert.equal(changed.replicas, 3);
    assert.deepEqual(changed.poolSizes, { 'default-pool': 2 });
    const kc = await runCli(['kubeconfig', 'tensorflow-cluster001'], env);
    assert.equal(kc.code, 0, kc.stderr);
    assert.match(kc.stdout, /"server": ?"https:\/\/127\.0\.0\.1:\d+"/);
    const downEnv = await runCli(['down', 'tensorflow-cluster001', '--wait', '--yes'], env);
    assert.equal(downEnv.code, 0, downEnv.stderr);
    const leaks = (await (await fetch(`http://127.0.0.1:${env.GKEFLOW_EMULATOR_ADMIN_PORT}/leaks`)).json()) as {
      leaks: unknown[];
    };
    assert.deepEqual(leaks.leaks, []);
    const clusters = (await (await fetch(`http://127.0.0.1:${env.GKEFLOW_EMULATOR_ADMIN_PORT}/clusters`)).json()) as {
      clusters: unknown[];
    };
    assert.deepEqual(clusters.clusters, []);

    // A run that fails: exit 1, the cause named, the status says so, nothing left.
    const admin = `http://127.0.0.1:${env.GKEFLOW_EMULATOR_ADMIN_PORT}`;
    const fault = {
      rpc: 'CreateCluster',
      code: 'PERMISSION_DENIED',
      message: 'Required container.clusters.create permission',
      count: 1,
    };
    await fetch(`${admin}/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [fault] }),
    });
    const denied = path.join(stateDir, 'denied.yaml');
    fs.writeFileSync(
      denied,
      fs
        .readFileSync(path.join(__dirname, '../../examples/tensorflow-notebook.yaml'), 'utf8')
        .replace('tensorflow-cluster001', 'denied-cluster'),
    );
    const failed = await runCli(['up', '-f', denied, '--wait'], env);
    assert.equal(failed.code, 1, failed.stderr);
    assert.match(
      failed.stderr,
      /run ended: failed: ensureCluster failed; cleaned up: cluster .*Required container\.clusters\.create permission/,
    );
    const failedStatus = await runCli(['status', 'denied-cluster'], env);
    assert.equal(failedStatus.code, 1);
    assert.match(failedStatus.stdout, /\(run failed\)/);
    assert.deepEqual(((await (await fetch(`${admin}/clusters`)).json()) as { clusters: unknown[] }).clusters, []);

    const logs = await runCli(['stack', 'logs', 'registry', '-n', '5'], env);
    assert.equal(logs.code, 0);
    assert.match(logs.stdout, /==> registry/);

    const last = await status();
    const down = await runCli(['stack', 'down'], env);
    assert.equal(down.code, 0, down.stderr);
    for (const s of last) assert.ok(!isAlive(s.pid!), `${s.name} (pid ${s.pid}) stopped`);
    for (const s of await status()) assert.equal(s.state, 'stopped');
  },
);
