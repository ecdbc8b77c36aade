import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { runCli } from '../../helpers/cli';
import { testTemporalAddress } from '../../helpers/temporal';

// Bad specs through the real CLI: exit 2, every problem named, and no workflow started on the
// (real) Temporal server.
let dir: string;
let env: NodeJS.ProcessEnv;
let client: Client;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-cli-env-'));
  const address = await testTemporalAddress();
  env = { TEMPORAL_ADDRESS: address, GKEFLOW_TASK_QUEUE: 'cli-env-test-no-worker' };
  client = new Client({ connection: await Connection.connect({ address }) });
});
after(async () => {
  await client.connection.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

const base = (over: string) => `apiVersion: gkeflow/v1
kind: Environment
project: cli-env-test
location: us-central1-a
${over}
deployment: { name: web, replicas: 2, containers: [{ name: web, image: nginx:1.27, ports: [{ containerPort: 80 }] }] }
service: { name: web, type: LoadBalancer, ports: [{ port: 80, targetPort: 80 }] }
`;

async function assertNoWorkflow(id: string): Promise<void> {
  const found = await client.workflow
    .getHandle(id)
    .describe()
    .then(
      () => true,
      () => false,
    );
  assert.equal(found, false, `no workflow ${id} was started`);
}

void test('up with a bad spec exits 2, names every problem, and starts no workflow', async () => {
  const f = write(
    'bad.yaml',
    base(`cluster:
  name: Cluster-
  nodePools:
    - { name: pool, machineType: f1-micro, nodeCount: 0 }
    - { name: pool, machineType: e2-small, nodeCount: 1 }
ttl: forever
colour: blue`),
  );
  const r = await runCli(['up', '-f', f, '--wait'], env);
  assert.equal(r.code, 2, r.stderr);
  for (const field of [
    'cluster.name',
    'cluster.nodePools[0].machineType',
    'cluster.nodePools[0].nodeCount',
    'cluster.nodePools[1].name',
    'ttl',
    'colour',
  ]) {
    assert.ok(r.stderr.includes(`${field}:`), `names ${field}: ${r.stderr}`);
  }
  await assertNoWorkflow('gkeflow/cli-env-test/us-central1-a/Cluster-');
});

void test('validate and up agree: a bad port and a bad image reference are exit 2 for both', async () => {
  const f = write(
    'ports.yaml',
    base('cluster: { name: ports, nodePools: [{ name: p, machineType: e2-small, nodeCount: 1 }] }')
      .replace('port: 80, targetPort: 80', 'port: 70000, targetPort: 81')
      .replace('nginx:1.27', 'NGINX::latest'),
  );
  for (const cmd of [
    ['validate', '-f', f],
    ['up', '-f', f],
  ]) {
    const r = await runCli(cmd, env);
    assert.equal(r.code, 2, `${cmd[0]}: ${r.stderr}`);
    assert.match(r.stderr, /service\.ports\[0\]\.port/);
    assert.match(r.stderr, /deployment\.containers\[0\]\.image/);
  }
  await assertNoWorkflow('gkeflow/cli-env-test/us-central1-a/ports');
});

void test('a missing spec file and a missing -f are exit 2', async () => {
  const missing = await runCli(['up', '-f', path.join(dir, 'nope.yaml')], env);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read .*nope\.yaml/);
  const noFlag = await runCli(['up'], env);
  assert.equal(noFlag.code, 2);
  assert.match(noFlag.stderr, /-f\/--file: a spec file is required/);
});

void test('status of an unknown environment is exit 2 naming it', async () => {
  const r = await runCli(['status', 'no-such-cluster'], env);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /no environment has a cluster named 'no-such-cluster'/);
});

void test('a good spec starts the workflow; starting it again attaches to the same run', async () => {
  const f = write(
    'good.yaml',
    base('cluster: { name: attach-test, nodePools: [{ name: p, machineType: e2-small, nodeCount: 1 }] }'),
  );
  const first = await runCli(['up', '-f', f], env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /^started gkeflow\/cli-env-test\/us-central1-a\/attach-test/m);
  assert.match(first.stderr, /warning: no worker polls task queue cli-env-test-no-worker/);
  const second = await runCli(['up', '-f', f], env);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /^attached to gkeflow\/cli-env-test\/us-central1-a\/attach-test/m);
  const runId = (s: string) => /\(run ([0-9a-f-]+)\)/.exec(s)?.[1];
  assert.equal(runId(second.stderr), runId(first.stderr));
  const list = await runCli(['list', '--json'], env);
  assert.equal(list.code, 0, list.stderr);
  const rows = JSON.parse(list.stdout) as Array<{ envId: string; status: string }>;
  assert.ok(
    rows.some((r) => r.envId === 'gkeflow/cli-env-test/us-central1-a/attach-test' && r.status === 'running'),
    list.stdout,
  );
  await client.workflow.getHandle('gkeflow/cli-env-test/us-central1-a/attach-test').terminate('test done');
});

void test('validate --json prints the normalised spec and exits 0', async () => {
  const f = write(
    'json.yaml',
    base('cluster: { name: json-test, nodePools: [{ name: p, machineType: e2-small, nodeCount: 1 }] }'),
  );
  const r = await runCli(['validate', '-f', f, '--json'], env);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { valid: boolean; envId: string; spec: { ttl: string; target: string } };
  assert.equal(doc.valid, true);
  assert.equal(doc.envId, 'gkeflow/cli-env-test/us-central1-a/json-test');
  assert.equal(doc.spec.target, 'local', 'defaults are filled in');
});
