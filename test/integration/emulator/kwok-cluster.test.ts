// The proof that the Kubernetes half works: a real control plane from the cached toolchain
// (kwokctl --runtime binary, loopback only) with simulated nodes, driven by @kubernetes/client-node.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Service,
} from '@kubernetes/client-node';
import { isAlive } from '../../../src/process/process';
import { ensureToolchain } from '../../../src/toolchain/toolchain';
import {
  createKwokCluster,
  deleteKwokCluster,
  kwokClusterPids,
  kwokKubeConfig,
  startKwokCluster,
  stopKwokCluster,
  type KwokCluster,
  type KwokClusterRef,
} from '../../../src/emulator/runtime/kwok-cluster';
import {
  addKwokNodes,
  GKE_NODEPOOL_LABEL,
  readyKwokNodes,
  removeKwokNodes,
  waitForKwokNodesReady,
} from '../../../src/emulator/runtime/kwok-nodes';
import { LB_CLEANUP_FINALIZER, LB_IP_PREFIX } from '../../../src/emulator/runtime/kwok-stages';

const NODES = 3;
const ns = 'default';
let ref: KwokClusterRef;
let cluster: KwokCluster;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function runningPods(selector: string): Promise<number> {
  const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: selector });
  return pods.items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp).length;
}

before(async () => {
  const toolchain = await ensureToolchain({
    only: ['kubernetes', 'etcd', 'kwok'],
    log: (l) => console.error(`[toolchain] ${l}`),
  });
  const base = process.env.GKEFLOW_TEST_TMP ?? os.tmpdir();
  const workdir = fs.mkdtempSync(path.join(base, 'kwok-'));
  ref = { name: 'proof', workdir, toolchain };
  const nodes = Array.from({ length: NODES }, (_, i) => ({
    name: `gke-proof-default-pool-${i}`,
    labels: { [GKE_NODEPOOL_LABEL]: 'default-pool' },
  }));
  cluster = await createKwokCluster({ ...ref, nodes, loadBalancer: { provisionMs: 1000, releaseMs: 1500 } });
  kc = kwokKubeConfig(cluster);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});

after(async () => {
  if (!ref) return;
  await deleteKwokCluster(ref);
  fs.rmSync(ref.workdir, { recursive: true, force: true });
});

void test('serves on loopback with its own CA and client certificate', () => {
  assert.match(cluster.server, /^https:\/\/127\.0\.0\.1:\d+$/);
  assert.match(Buffer.from(cluster.caData, 'base64').toString(), /BEGIN CERTIFICATE/);
  assert.match(Buffer.from(cluster.clientKeyData, 'base64').toString(), /PRIVATE KEY/);
  assert.ok(cluster.kubeconfigPath.startsWith(ref.workdir), 'kubeconfig stays in the workdir');
  assert.equal(kwokClusterPids(ref).length, 5, 'etcd, kube-apiserver, controller manager, scheduler, kwok');
});

void test('every process of the cluster listens on 127.0.0.1 only', () => {
  const pids = new Set(kwokClusterPids(ref));
  const sockets = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => ({ local: line.trim().split(/\s+/)[3] ?? '', pid: Number(/pid=(\d+)/.exec(line)?.[1]) }))
    .filter((s) => pids.has(s.pid));
  assert.ok(sockets.length >= 5, `found the cluster's listening sockets: ${JSON.stringify(sockets)}`);
  for (const s of sockets) assert.match(s.local, /^127\.0\.0\.1:\d+$/, `pid ${s.pid} listens on ${s.local}`);
});

void test(`has ${NODES} Ready nodes labelled with their pool`, async () => {
  const nodes = await core.listNode({ labelSelector: `${GKE_NODEPOOL_LABEL}=default-pool` });
  assert.equal(nodes.items.length, NODES);
  assert.equal((await readyKwokNodes(kc)).length, NODES);
  for (const n of nodes.items) assert.equal(n.metadata?.labels?.type, 'kwok');
});

void test('runs a 2-replica Deployment, then scales it to 5', async () => {
  const labels = { app: 'hello' };
  await apps.createNamespacedDeployment({
    namespace: ns,
    body: {
      metadata: { name: 'hello', labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'hello', image: 'registry.local/hello:1', ports: [{ containerPort: 8080 }] }] },
        },
      },
    },
  });
  await waitFor('2 Running pods', async () => ((await runningPods('app=hello')) === 2 ? true : undefined));
  // A merge patch of the scale subresource: a read-then-replace races the controllers' own
  // status updates (409 Conflict on a busy machine).
  await apps.patchNamespacedDeploymentScale(
    { name: 'hello', namespace: ns, body: { spec: { replicas: 5 } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await waitFor('5 Running pods', async () => ((await runningPods('app=hello')) === 5 ? true : undefined));
  const d = await waitFor('5 ready replicas', async () => {
    const dep = await apps.readNamespacedDeployment({ name: 'hello', namespace: ns });
    return dep.status?.readyReplicas === 5 ? dep : undefined;
  });
  assert.equal(d.status?.availableReplicas, 5);
});

void test('a LoadBalancer Service gets an ingress IP and the cleanup finalizer; deleting it waits for the release', async () => {
  const body: V1Service = {
    metadata: { name: 'hello' },
    spec: { type: 'LoadBalancer', selector: { app: 'hello' }, ports: [{ port: 80, targetPort: 8080 }] },
  };
  await core.createNamespacedService({ namespace: ns, body });
  const svc = await waitFor('an ingress IP', async () => {
    const s = await core.readNamespacedService({ name: 'hello', namespace: ns });
    return s.status?.loadBalancer?.ingress?.[0]?.ip ? s : undefined;
  });
  const ip = svc.status!.loadBalancer!.ingress![0]!.ip!;
  assert.ok(ip.startsWith(LB_IP_PREFIX), ip);
  assert.ok(svc.metadata?.finalizers?.includes(LB_CLEANUP_FINALIZER));

  const deletedAt = Date.now();
  await core.deleteNamespacedService({ name: 'hello', namespace: ns });
  const held = await core.readNamespacedService({ name: 'hello', namespace: ns });
  assert.ok(held.metadata?.deletionTimestamp, 'the finalizer holds the Service while the LB is released');
  await waitFor('the Service to go', async () => {
    const left = await core.listNamespacedService({ namespace: ns, fieldSelector: 'metadata.name=hello' });
    return left.items.length === 0 ? true : undefined;
  });
  assert.ok(Date.now() - deletedAt >= 1000, 'released after the configured delay');
});

void test('adds and removes nodes', async () => {
  const extra = [{ name: 'gke-proof-extra-pool-0', labels: { [GKE_NODEPOOL_LABEL]: 'extra-pool' } }];
  await addKwokNodes(kc, extra);
  await addKwokNodes(kc, extra); // idempotent
  await waitForKwokNodesReady(kc, ['gke-proof-extra-pool-0']);
  assert.equal((await readyKwokNodes(kc)).length, NODES + 1);
  await removeKwokNodes(kc, ['gke-proof-extra-pool-0']);
  await removeKwokNodes(kc, ['gke-proof-extra-pool-0']);
  assert.equal((await core.listNode()).items.length, NODES);
});

void test('stops and starts again with its state', async () => {
  await stopKwokCluster(ref);
  assert.deepEqual(kwokClusterPids(ref), []);
  const again = await startKwokCluster(ref);
  assert.equal(again.server, cluster.server);
  await waitFor('the Deployment back', async () =>
    (await apps.readNamespacedDeployment({ name: 'hello', namespace: ns })).spec?.replicas === 5 ? true : undefined,
  );
  await waitForKwokNodesReady(
    kc,
    Array.from({ length: NODES }, (_, i) => `gke-proof-default-pool-${i}`),
  );
});

void test('deletes the Deployment and the whole cluster, leaving no process behind', async () => {
  await apps.deleteNamespacedDeployment({ name: 'hello', namespace: ns });
  await waitFor(
    'the pods to go',
    async () => ((await core.listNamespacedPod({ namespace: ns })).items.length === 0 ? true : undefined),
    60_000,
  );
  const pids = kwokClusterPids(ref);
  await deleteKwokCluster(ref);
  assert.equal(fs.existsSync(cluster.dir), false);
  for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} is gone`);
});
