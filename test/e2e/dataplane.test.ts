import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { runCli } from '../helpers/cli';
import { freePort } from '../../src/process/process';
import { repoRoot } from '../../src/paths';
import { PORT_ENV } from '../../src/config/endpoints';
import {
  chromiumPath,
  launchBrowser,
  logInToUi,
  loopbackPage,
  NO_CHROMIUM,
  openRunByWorkflowId,
  runTab,
  schedulesPage,
} from '../helpers/web-ui';

// The local data plane through the whole stack on private ports: the walkthrough's endpoint
// answers from real demo processes, scaling shows new pods answering, down leaves nothing.
let env: NodeJS.ProcessEnv;
let stateDir: string;

before(async () => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-dataplane-'));
  env = { GKEFLOW_STATE_DIR: stateDir };
  for (const v of Object.values(PORT_ENV)) env[v] = String(await freePort()); // never the default ports
});

after(async () => {
  await runCli(['stack', 'down'], env);
  fs.rmSync(stateDir, { recursive: true, force: true });
});

/** The walkthrough with 3 replicas and no steps, under a cluster name of its own. */
function specFile(cluster: string): string {
  const doc = YAML.parse(fs.readFileSync(path.join(repoRoot, 'examples/tensorflow-notebook.yaml'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  doc.cluster!.name = cluster;
  doc.deployment!.replicas = 3;
  delete doc.steps;
  const file = path.join(stateDir, `${cluster}.yaml`);
  fs.writeFileSync(file, YAML.stringify(doc));
  return file;
}

/** Pod names answering `count` fresh connections (each request its own connection). */
async function podsAnswering(url: string, count: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const res = await fetch(url, { headers: { Connection: 'close' }, signal: AbortSignal.timeout(1000) });
    assert.equal(res.status, 200);
    const body = await res.text();
    assert.doesNotMatch(body, /simulated/, 'answered by a real demo process');
    const pod = res.headers.get('x-pod-name') ?? '';
    assert.ok(body.includes(pod), 'the page names its pod');
    seen.set(pod, (seen.get(pod) ?? 0) + 1);
  }
  return seen;
}

const listening = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect({ host, port }, () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });

/** Demo server processes (by their command line) still alive on this machine for these pods. */
function demoProcesses(pods: string[]): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue;
    }
    if (cmd.includes('--pod-name') && pods.some((p) => cmd.includes(p))) out.push(`${pid}: ${cmd}`);
  }
  return out;
}

void test('the endpoint answers from real demo pods, five after scale 5, and nothing is left after down', async () => {
  const up = await runCli(['stack', 'up'], env);
  assert.equal(up.code, 0, up.stderr);
  const r = await runCli(['up', '-f', specFile('dataplane-e2e'), '--wait'], env);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const st = JSON.parse((await runCli(['status', 'dataplane-e2e', '--json'], env)).stdout) as {
    endpoint: string;
    probe?: { ok: boolean; status?: number; skipped?: string };
  };
  const url = new URL(st.endpoint);
  assert.match(url.hostname, /^127\./, 'a loopback load balancer');
  assert.deepEqual(st.probe, { ok: true, status: 200 }, 'the probe ran on the local target');

  const started = Date.now();
  const first = await fetch(url, { signal: AbortSignal.timeout(1000) });
  assert.equal(first.status, 200);
  assert.ok(Date.now() - started < 1000);
  assert.equal((await podsAnswering(st.endpoint, 9)).size, 3);

  const open = await runCli(['open', 'dataplane-e2e'], env);
  assert.equal(open.code, 0, open.stderr);
  assert.match(open.stdout, new RegExp(`^endpoint  ${st.endpoint.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(open.stdout, /^web ui    http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\//m);
  const history = await runCli(['history', 'dataplane-e2e'], env);
  assert.equal(history.code, 0, history.stderr);
  for (const step of ['pushImage', 'ensureCluster', 'applyDeployment', 'applyService', 'probeEndpoint'])
    assert.match(history.stdout, new RegExp(`^${step}\\s+\\d{4}-\\d\\d-\\d\\dT\\S+\\s+[\\d.]+s\\s+\\d+\\s+done`, 'm'));
  for (const cmd of ['open', 'history']) {
    const unknown = await runCli([cmd, 'no-such-env'], env);
    assert.equal(unknown.code, 2, `${cmd} of an unknown environment: ${unknown.stderr}`);
  }

  const scale = await runCli(['scale', 'dataplane-e2e', '--replicas', '5'], env);
  assert.equal(scale.code, 0, scale.stderr);
  assert.match(scale.stdout, /scaled from 3 to 5 replicas; 5 of 5 ready after [\d.]+ s$/m);
  let pods = new Map<string, number>();
  for (let i = 0; i < 20 && pods.size < 5; i++) {
    pods = await podsAnswering(st.endpoint, 10);
    if (pods.size < 5) await new Promise((res) => setTimeout(res, 300));
  }
  assert.equal(pods.size, 5, `five distinct pods answer: ${[...pods.keys()].join(', ')}`);
  assert.equal(demoProcesses([...pods.keys()]).length, 5, 'one demo process per ready pod');
  const resize = await runCli(['resize', 'dataplane-e2e', '--pool', 'default-pool', '--nodes', '3'], env);
  assert.equal(resize.code, 0, resize.stderr);
  assert.match(
    resize.stdout,
    /node pool default-pool resized from 2 to 3 nodes; GKE finished the resize after [\d.]+ s$/m,
  );

  const down = await runCli(['down', 'dataplane-e2e', '--wait', '--yes'], env);
  assert.equal(down.code, 0, down.stderr);
  assert.equal(await listening(url.hostname, Number(url.port)), false, 'nothing listens on the endpoint');
  assert.deepEqual(demoProcesses([...pods.keys()]), [], 'no demo process is left');
});

const ENV_ID = 'gkeflow/gkeflow-demo/asia-east1-a/dataplane-e2e';
const browser = chromiumPath();

void test(
  "the Web UI shows the finished run found by its workflow id: its summary, each step's summary, the search attributes; and the Schedules page",
  { skip: browser ? false : NO_CHROMIUM },
  async () => {
    const shots = path.join(repoRoot, '.screenshots');
    fs.mkdirSync(shots, { recursive: true });
    const uiUrl = `http://127.0.0.1:${env.GKEFLOW_UI_PORT}`;
    const schedule = await runCli(['schedule', 'create', 'ui-test-reaper', '--every', '6h', '--dry-run'], env);
    assert.equal(schedule.code, 0, schedule.stderr);
    const b = await launchBrowser(browser!);
    try {
      const page = await loopbackPage(b);
      await logInToUi(page, uiUrl, fs.readFileSync(path.join(stateDir, 'codec.token'), 'utf8').trim());
      const main = await openRunByWorkflowId(page, uiUrl, ENV_ID);
      assert.match(main, /environmentWorkflow/);
      assert.match(main, /Completed/, 'the run is finished');
      const meta = await runTab(page, 'User Metadata');
      await page.screenshot({ path: path.join(shots, 'web-ui-run.png'), fullPage: true });
      assert.match(
        meta,
        /GKE environment dataplane-e2e in asia-east1-a \(gkeflow-demo\): rc-node × 3 behind a LoadBalancer/,
      );
      assert.match(meta, /Cluster: dataplane-e2e/, 'the details');
      for (const step of [
        'Push image builtin:demo → asia-docker.pkg.dev/gkeflow-demo/notebooks/tensorflow:v1',
        'Create cluster dataplane-e2e',
        'Deploy rc-node (3 replicas, port 8888)',
        'Expose rc-node as LoadBalancer Service rc-node on port 8888',
        'Wait for the external IP of Service rc-node',
        'Verify http://127.',
        'Scale rc-node to 5 pods',
      ])
        assert.ok(meta.includes(step), `step summary shown: ${step}`);
      const attrs = await runTab(page, 'Search Attributes');
      for (const [k, v] of Object.entries({
        GkeflowProject: 'gkeflow-demo',
        GkeflowLocation: 'asia-east1-a',
        GkeflowCluster: 'dataplane-e2e',
        GkeflowPhase: 'torn-down',
      }))
        assert.match(attrs, new RegExp(`"${k}": "${v}"`), `search attribute ${k}`);
      assert.match(attrs, /"GkeflowExpiresAt": "\d{4}-/);
      const schedules = await schedulesPage(page, uiUrl);
      await page.screenshot({ path: path.join(shots, 'web-ui-schedules.png'), fullPage: true });
      assert.ok(schedules.includes('ui-test-reaper'), 'the schedule created with gkeflow schedule create shows');
      assert.ok(schedules.includes('gkeflow-local-reaper'), "the stack's reaper schedule shows");
    } finally {
      await b.close();
    }
  },
);
