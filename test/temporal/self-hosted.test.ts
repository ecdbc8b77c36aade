import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { runCli } from '../helpers/cli';
import { startLocalCloud, type LocalCloud } from '../helpers/local-cloud';
import { planDone, statusUntil } from '../helpers/walkthrough';
import { uniqueTaskQueue } from '../helpers/temporal';
import { Connection } from '@temporalio/client';
import { attributesProbeQuery } from '../../src/temporal/search-attributes';
import { repoRoot } from '../../src/paths';
import { hasPoller } from '../../src/temporal/pollers';
import { waitUntil } from '../../src/process/process';
import { startSelfHostedTemporal, type SelfHostedTemporal } from './self-hosted';

// gkeflow on a real self-hosted Temporal (temporal-server 1.29.1 on PostgreSQL, persistence and
// SQL visibility), not the dev server: a namespace without gkeflow's search attributes is
// refused until `gkeflow temporal setup`; then the walkthrough through the CLI on the local
// cloud, a reaper run (visibility queries), a Schedule, and a CLI worker killed mid-run.
const t0 = Date.now();
let server: SelfHostedTemporal;
let cloud: LocalCloud;
let dir: string;
let env: NodeJS.ProcessEnv;
const workers: ChildProcess[] = [];
const secs = (t: number) => `${Math.round((Date.now() - t) / 1000)}s`;

function specFile(cluster: string): { file: string; project: string } {
  const doc = YAML.parse(fs.readFileSync(path.join(repoRoot, 'examples/tensorflow-notebook.yaml'), 'utf8')) as {
    project: string;
    cluster: { name: string };
    ttl?: string;
  };
  doc.cluster.name = cluster;
  doc.ttl = '1h';
  const file = path.join(dir, `${cluster}.yaml`);
  fs.writeFileSync(file, YAML.stringify(doc));
  return { file, project: doc.project };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-tier-temporal-'));
  server = await startSelfHostedTemporal((l) => console.log(`[self-hosted] ${l}`));
  process.env.GKEFLOW_TEST_TEMPORAL_ADDRESS = server.address; // the local cloud's worker uses it
  cloud = await startLocalCloud(() => undefined);
  env = {
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: server.namespace,
    TEMPORAL_PROFILE: '',
    GKEFLOW_STATE_DIR: path.join(dir, 'state'),
    GKEFLOW_TARGET: 'local',
    GKEFLOW_TASK_QUEUE: cloud.cfg.taskQueue!,
    GKEFLOW_EMULATOR_ADDRESS: cloud.emulator.address,
    GKEFLOW_REGISTRY_ADDRESS: cloud.registry.address,
  };
  console.log(`[self-hosted] ready in ${secs(t0)}`);
});
after(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await cloud?.stop();
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`[self-hosted] tier time ${secs(t0)}`);
});

void test('a fresh namespace is refused (exit 2, GKF-TEMPORAL-SETUP) until gkeflow temporal setup', async () => {
  const { file } = specFile('before-setup');
  const up = await runCli(['up', '-f', file], env, 120_000);
  assert.equal(up.code, 2, up.stderr);
  assert.match(up.stderr, /GkeflowProject.*GkeflowExpiresAt.*gkeflow temporal setup.*\[GKF-TEMPORAL-SETUP\]/s);
  const setup = await runCli(['temporal', 'setup', '--namespace', server.namespace], env, 120_000);
  assert.equal(setup.code, 0, setup.stderr);
  assert.match(setup.stdout, /added .*\(in effect after [\d.]+ s\).*ready for gkeflow/);
  // Setup returns only once the attributes are in effect (the server's namespace cache lags the
  // add by seconds; an `up` right after setup failed "Failed to start Workflow" in CI): a query on
  // every attribute, sent the moment setup exits, is accepted.
  const connection = await Connection.connect({ address: server.address });
  try {
    await connection.workflowService.countWorkflowExecutions({
      namespace: server.namespace,
      query: attributesProbeQuery(),
    });
  } finally {
    await connection.close();
  }
});

void test('the walkthrough through the CLI: up --wait, status, scale, down --wait', async () => {
  const { file } = specFile('selfhosted-walk');
  const up = await runCli(['up', '-f', file, '--wait'], env, 400_000);
  assert.equal(up.code, 0, up.stderr);
  const st = await runCli(['status', 'selfhosted-walk', '--json'], env);
  assert.equal(st.code, 0, st.stderr);
  assert.equal((JSON.parse(st.stdout) as { phase: string }).phase, 'running');
  const scale = await runCli(['scale', 'selfhosted-walk', '--replicas', '2'], env, 300_000);
  assert.equal(scale.code, 0, scale.stderr);
  assert.match(scale.stdout, /to 2 replicas/);
  const down = await runCli(['down', 'selfhosted-walk', '--wait', '--yes'], env, 400_000);
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, /torn down/);
});

void test('a reaper run (its visibility queries on SQL visibility) and a Schedule', async () => {
  const { project } = specFile('unused');
  const reap = await runCli(['reap', '--dry-run', '--project', project, '--json'], env, 300_000);
  assert.equal(reap.code, 0, reap.stderr);
  const create = await runCli(
    ['schedule', 'create', 'selfhosted', '--every', '1h', '--project', project, '--dry-run'],
    env,
  );
  assert.equal(create.code, 0, create.stderr);
  const trigger = await runCli(['schedule', 'trigger', 'selfhosted'], env);
  assert.equal(trigger.code, 0, trigger.stderr);
  await waitUntil(
    async () => /selfhosted\s+active.*\d{4}-\d\d-\d\dT[^\s]*\s*$/m.test((await runCli(['schedule', 'ls'], env)).stdout),
    120_000,
    2000,
  );
  const ls = await runCli(['schedule', 'ls'], env);
  assert.match(ls.stdout, /selfhosted\s+active/);
  const rm = await runCli(['schedule', 'rm', 'selfhosted'], env);
  assert.equal(rm.code, 0, rm.stderr);
});

/** A `gkeflow worker` process on its own task queue. */
function startWorker(queue: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), 'worker'], {
    cwd: repoRoot,
    env: { ...process.env, ...env, GKEFLOW_TASK_QUEUE: queue },
    stdio: 'ignore',
  });
  workers.push(child);
  return child;
}

void test('a gkeflow worker killed mid-run: a new one resumes the run to running, then down', async () => {
  const queue = uniqueTaskQueue('selfhosted-restart');
  const qenv = { ...env, GKEFLOW_TASK_QUEUE: queue };
  const polls = (pid: number) => () =>
    hasPoller(cloud.client.connection, server.namespace, queue, pid).catch(() => false);
  const first = startWorker(queue);
  assert.ok(await waitUntil(polls(first.pid!), 60_000, 500), 'the first worker polls');
  const { file } = specFile('selfhosted-restart');
  const up = await runCli(['up', '-f', file], qenv, 120_000);
  assert.equal(up.code, 0, up.stderr);
  const envId = up.stdout.trim();
  await statusUntil(cloud.client, envId, (s) => s.stepsDone >= 1, 120_000);
  first.kill('SIGKILL');
  const second = startWorker(queue);
  assert.ok(await waitUntil(polls(second.pid!), 60_000, 500), 'the second worker polls');
  assert.equal(await planDone(cloud.client, envId, 400_000), 'running');
  const down = await runCli(['down', envId, '--wait', '--yes'], qenv, 400_000);
  assert.equal(down.code, 0, down.stderr);
  second.kill('SIGTERM');
});
