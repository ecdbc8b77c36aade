// The Kubernetes manifests of the worker (deploy/kustomize/base): rendered by kubectl's
// Kustomize, they pass a server-side dry-run apply on a real kube-apiserver (a kwok cluster),
// and they say what the worker needs: N replicas, a pod grace longer than the worker's shutdown
// grace and the longest heartbeat timeout, Workload Identity, Secrets, probes, metrics port.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import YAML from 'yaml';
import { WORKER_ENV } from '../../../src/config/worker-settings';
import { CODEC_ENV } from '../../../src/codec/keys';
import { parseDuration } from '../../../src/envspec/names';
import {
  createKwokCluster,
  deleteKwokCluster,
  type KwokCluster,
  type KwokClusterRef,
} from '../../../src/emulator/runtime/kwok-cluster';
import { repoRoot } from '../../../src/paths';
import { ensureToolchain } from '../../../src/toolchain/toolchain';

const run = promisify(execFile);
const base = path.join(repoRoot, 'deploy', 'kustomize', 'base');
/** The longest heartbeat timeout of any step (src/workflows/proxies.ts's default). */
const LONGEST_HEARTBEAT_S = 60;

let ref: KwokClusterRef;
let cluster: KwokCluster;
let kubectl: string;

before(async () => {
  const toolchain = await ensureToolchain({ only: ['kubernetes', 'etcd', 'kwok'] });
  kubectl = toolchain.kubectl;
  const workdir = fs.mkdtempSync(path.join(process.env.GKEFLOW_TEST_TMP ?? os.tmpdir(), 'kwok-deploy-'));
  ref = { name: 'deploy', workdir, toolchain };
  cluster = await createKwokCluster({ ...ref, nodes: [{ name: 'gke-deploy-default-pool-0', labels: {} }] });
});
after(async () => {
  if (ref) await deleteKwokCluster(ref);
});

type Doc = {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: never;
  data?: Record<string, string>;
};

async function rendered(): Promise<{ text: string; docs: Doc[] }> {
  const { stdout } = await run(kubectl, ['kustomize', base]);
  return { text: stdout, docs: YAML.parseAllDocuments(stdout).map((d) => d.toJSON() as Doc) };
}

void test('the kustomize base passes a server-side dry-run apply', async () => {
  const { text } = await rendered();
  const file = path.join(ref.workdir, 'worker.yaml');
  fs.writeFileSync(file, text);
  const { stdout } = await run(kubectl, [
    '--kubeconfig',
    cluster.kubeconfigPath,
    'apply',
    '--dry-run=server',
    '-f',
    file,
  ]);
  for (const what of ['serviceaccount/gkeflow-worker', 'deployment.apps/gkeflow-worker', 'service/gkeflow-worker'])
    assert.match(stdout, new RegExp(`${what} created \\(server dry run\\)`));
  assert.match(stdout, /configmap\/gkeflow-worker-\w+ created \(server dry run\)/);
  // A broken manifest is refused by the same check (it can fail).
  fs.writeFileSync(file, text.replace('terminationGracePeriodSeconds: 90', 'terminationGracePeriodSeconds: ninety'));
  await assert.rejects(run(kubectl, ['--kubeconfig', cluster.kubeconfigPath, 'apply', '--dry-run=server', '-f', file]));
});

void test('the Deployment drains within its pod grace, uses Workload Identity, Secrets, probes and the metrics port', async () => {
  const { docs } = await rendered();
  const sa = docs.find((d) => d.kind === 'ServiceAccount')!;
  assert.match(sa.metadata.annotations?.['iam.gke.io/gcp-service-account'] ?? '', /@.+\.iam\.gserviceaccount\.com$/);
  const cm = docs.find((d) => d.kind === 'ConfigMap')!.data!;
  for (const k of Object.keys(cm).filter((k) => k.startsWith('GKEFLOW_') && k !== 'GKEFLOW_TARGET'))
    assert.ok((Object.values(WORKER_ENV) as string[]).includes(k), `${k} is a worker setting`);
  const dep = docs.find((d) => d.kind === 'Deployment') as unknown as {
    spec: { replicas: number; template: { spec: unknown } };
  };
  const pod = dep.spec.template.spec as {
    serviceAccountName: string;
    terminationGracePeriodSeconds: number;
    containers: Array<{
      env: Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string } } }>;
      ports: Array<{ name: string; containerPort: number }>;
      readinessProbe: { httpGet: { path: string } };
      livenessProbe: { httpGet: { path: string } };
    }>;
  };
  assert.ok(dep.spec.replicas >= 2, 'more than one worker');
  assert.equal(pod.serviceAccountName, sa.metadata.name);
  const graceS = parseDuration(cm[WORKER_ENV.shutdownGrace]!)! / 1000;
  assert.ok(graceS > LONGEST_HEARTBEAT_S, 'in-flight activities get longer than a heartbeat timeout');
  assert.ok(pod.terminationGracePeriodSeconds > graceS, 'the pod outlives the worker’s drain');
  const c = pod.containers[0]!;
  const fromSecret = (n: string) => c.env.find((e) => e.name === n)?.valueFrom?.secretKeyRef?.name;
  assert.ok(fromSecret('TEMPORAL_API_KEY'), 'the Temporal API key comes from a Secret');
  assert.ok(fromSecret(CODEC_ENV.key), 'the codec key comes from a Secret');
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  const port = (n: string) => c.ports.find((p) => p.name === n)?.containerPort;
  assert.equal(`0.0.0.0:${port('metrics')}`, cm[WORKER_ENV.metricsAddress]);
  assert.equal(`0.0.0.0:${port('health')}`, cm[WORKER_ENV.healthAddress]);
});
