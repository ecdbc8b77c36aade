// A kwok-backed emulated cluster: GKE metadata from the official client, Kubernetes from
// @kubernetes/client-node and kubectl against the endpoint and credentials GKE hands out.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { v1, protos } from '@google-cloud/container';
import { GKE_NODEPOOL_LABEL } from '../../../src/emulator/runtime/kwok-nodes';
import { LB_CLEANUP_FINALIZER, LB_IP_PREFIX } from '../../../src/emulator/runtime/kwok-stages';
import { ensureToolchain } from '../../../src/toolchain/toolchain';
import { ZERO_DELAYS, type RunningEmulator } from '../../../src/emulator';
import { client, clusterName, emulator, parent, tempStateDir, waitOp } from '../../helpers/emulator';

const run = promisify(execFile);
const delays = { ...ZERO_DELAYS, lbProvision: 1000, lbRelease: 1500 };
let stateDir: string;
let emu: RunningEmulator;
let c: v1.ClusterManagerClient;
let kubectl: string;

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A KubeConfig from what GetCluster returns, as a GKE user would build it. */
function kubeConfigFrom(cl: protos.google.container.v1.ICluster): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'gke', server: `https://${cl.endpoint}`, caData: cl.masterAuth?.clusterCaCertificate ?? '' }],
    users: [{ name: 'gke', certData: cl.masterAuth?.clientCertificate ?? '', keyData: cl.masterAuth?.clientKey ?? '' }],
    contexts: [{ name: 'gke', cluster: 'gke', user: 'gke' }],
    currentContext: 'gke',
  });
  return kc;
}

const readyNodes = async (core: CoreV1Api, selector?: string) =>
  (await core.listNode({ labelSelector: selector })).items.filter((n) =>
    n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'),
  );

before(async () => {
  kubectl = (await ensureToolchain({ only: ['kubernetes', 'etcd', 'kwok'] })).kubectl;
  stateDir = tempStateDir('emu-kwok-');
  emu = await emulator({ stateDir, controlPlane: 'kwok', delays });
  c = client(emu);
});

after(async () => {
  await c.close();
  // Whatever a failed test left: reset deletes every cluster with its control plane.
  await fetch(`http://127.0.0.1:${emu.adminPort}/reset`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
  }).catch(() => undefined);
  await emu.stop();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

void test('creates a real control plane with one Ready node per GKE node, labelled with its pool', async () => {
  const t0 = Date.now();
  const [op] = await c.createCluster({
    parent: parent(),
    cluster: {
      name: 'kube',
      nodePools: [
        { name: 'default-pool', initialNodeCount: 2, config: { machineType: 'e2-medium' } },
        { name: 'batch', initialNodeCount: 1, config: { machineType: 'e2-standard-4', labels: { tier: 'batch' } } },
      ],
    },
  });
  assert.equal((await waitOp(c, op)).error, null);
  console.error(`# kwok-backed cluster created in ${Date.now() - t0} ms`);
  const [cl] = await c.getCluster({ name: clusterName('kube') });
  assert.match(cl.endpoint ?? '', /^127\.0\.0\.1:\d+$/);
  assert.match(Buffer.from(cl.masterAuth?.clusterCaCertificate ?? '', 'base64').toString(), /BEGIN CERTIFICATE/);
  const core = kubeConfigFrom(cl).makeApiClient(CoreV1Api);
  assert.equal((await readyNodes(core)).length, 3);
  const batch = await readyNodes(core, `${GKE_NODEPOOL_LABEL}=batch`);
  assert.equal(batch.length, 1);
  assert.equal(batch[0]?.metadata?.labels?.tier, 'batch');
  assert.equal(batch[0]?.metadata?.labels?.['node.kubernetes.io/instance-type'], 'e2-standard-4');
  assert.equal(batch[0]?.status?.capacity?.cpu, '4');
});

void test('kubectl works with the kubeconfig from the admin endpoint', async () => {
  const res = await fetch(`http://127.0.0.1:${emu.adminPort}/kubeconfig?cluster=${clusterName('kube')}`);
  const file = path.join(stateDir, 'kube.kubeconfig');
  fs.writeFileSync(file, await res.text());
  const { stdout } = await run(kubectl, [
    '--kubeconfig',
    file,
    'get',
    'nodes',
    '-l',
    `${GKE_NODEPOOL_LABEL}=default-pool`,
    '-o',
    'name',
  ]);
  assert.equal(stdout.trim().split('\n').length, 2);
});

void test('resizing a pool adds and removes nodes', async () => {
  await waitOp(
    c,
    (await c.setNodePoolSize({ name: `${clusterName('kube')}/nodePools/default-pool`, nodeCount: 3 }))[0],
  );
  const core = kubeConfigFrom((await c.getCluster({ name: clusterName('kube') }))[0]).makeApiClient(CoreV1Api);
  assert.equal((await readyNodes(core, `${GKE_NODEPOOL_LABEL}=default-pool`)).length, 3);
  await waitOp(c, (await c.deleteNodePool({ name: `${clusterName('kube')}/nodePools/batch` }))[0]);
  assert.equal((await core.listNode({ labelSelector: `${GKE_NODEPOOL_LABEL}=batch` })).items.length, 0);
});

void test('a LoadBalancer Service gets an IP after the delay; its finalizer holds deletion until the LB is released', async () => {
  const kc = kubeConfigFrom((await c.getCluster({ name: clusterName('kube') }))[0]);
  const core = kc.makeApiClient(CoreV1Api);
  const labels = { app: 'web' };
  await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({
    namespace: 'default',
    body: {
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: '127.0.0.1:5000/web:1' }] } },
      },
    },
  });
  await core.createNamespacedService({
    namespace: 'default',
    body: {
      metadata: { name: 'web' },
      spec: { type: 'LoadBalancer', selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
    },
  });
  const created = Date.now();
  const svc = await waitFor('an external IP', async () => {
    const s = await core.readNamespacedService({ name: 'web', namespace: 'default' });
    return s.status?.loadBalancer?.ingress?.[0]?.ip ? s : undefined;
  });
  assert.ok(Date.now() - created >= 900, 'not before the LB delay');
  assert.ok(svc.status!.loadBalancer!.ingress![0]!.ip!.startsWith(LB_IP_PREFIX));
  assert.deepEqual(svc.metadata?.finalizers, [LB_CLEANUP_FINALIZER]);
  await core.deleteNamespacedService({ name: 'web', namespace: 'default' });
  assert.ok(
    (await core.readNamespacedService({ name: 'web', namespace: 'default' })).metadata?.deletionTimestamp,
    'held by the finalizer',
  );
  await waitFor('the Service to go', async () =>
    (await core.listNamespacedService({ namespace: 'default', labelSelector: undefined })).items.some(
      (s) => s.metadata?.name === 'web',
    )
      ? undefined
      : true,
  );
});

void test('after an emulator restart the cluster is back, control plane restarted', async () => {
  await emu.stop();
  emu = await emulator({ stateDir, controlPlane: 'kwok', delays });
  await c.close();
  c = client(emu);
  const [cl] = await c.getCluster({ name: clusterName('kube') });
  assert.equal(cl.status, 'RUNNING');
  const kc = kubeConfigFrom(cl);
  const core = kc.makeApiClient(CoreV1Api);
  await waitFor('3 Ready nodes', async () => ((await readyNodes(core)).length === 3 ? true : undefined));
  const dep = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'web', namespace: 'default' });
  assert.equal(dep.spec?.replicas, 2);
});

void test('deleting a cluster that still has a LoadBalancer records a leaked forwarding rule', async () => {
  const core = kubeConfigFrom((await c.getCluster({ name: clusterName('kube') }))[0]).makeApiClient(CoreV1Api);
  await core.createNamespacedService({
    namespace: 'default',
    body: {
      metadata: { name: 'leaky' },
      spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80 }] },
    },
  });
  const ip = await waitFor(
    'an external IP',
    async () =>
      (await core.readNamespacedService({ name: 'leaky', namespace: 'default' })).status?.loadBalancer?.ingress?.[0]
        ?.ip ?? undefined,
  );
  await waitOp(c, (await c.deleteCluster({ name: clusterName('kube') }))[0]);
  const leaks = (await (await fetch(`http://127.0.0.1:${emu.adminPort}/leaks`)).json()) as {
    leaks: Array<Record<string, string>>;
  };
  assert.equal(leaks.leaks.length, 1);
  assert.deepEqual(
    { ...leaks.leaks[0], leakedAt: undefined, forwardingRule: undefined },
    {
      project: 'gkeflow-test',
      location: 'us-central1-a',
      cluster: 'kube',
      namespace: 'default',
      service: 'leaky',
      ip,
      leakedAt: undefined,
      forwardingRule: undefined,
    },
  );
  assert.match(leaks.leaks[0]!.forwardingRule!, /^a[0-9a-f]{31}$/);
  assert.equal(fs.readdirSync(path.join(stateDir, 'kwok', 'clusters')).length, 0, 'the control plane is gone');
});

void test('a cluster labelled emulator-control-plane=none skips the control plane even in kwok mode', async () => {
  await waitOp(
    c,
    (
      await c.createCluster({
        parent: parent(),
        cluster: { name: 'meta', resourceLabels: { 'emulator-control-plane': 'none' } },
      })
    )[0],
  );
  const [cl] = await c.getCluster({ name: clusterName('meta') });
  assert.match(cl.endpoint ?? '', /^192\.0\.2\./);
  await waitOp(c, (await c.deleteCluster({ name: clusterName('meta') }))[0]);
});
