import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import { kubeActivities } from '../../../src/activities/kube';
import { envHash } from '../../../src/contract/labels';
import type { ApplyDeploymentInput, RolloutResult } from '../../../src/contract/workload-io';
import type { EnvRef } from '../../../src/contract/environment-id';
import { createGkeClient } from '../../../src/clients/gke';
import { kubeForVia } from '../../../src/clients/index';
import { kubeConfigForCluster } from '../../../src/clients/kube';
import { emulator } from '../../helpers/emulator';
import {
  createKwokCluster,
  deleteKwokCluster,
  type KwokCluster,
  type KwokClusterRef,
} from '../../../src/emulator/runtime/kwok-cluster';
import { LB_CLEANUP_FINALIZER, LB_IP_PREFIX } from '../../../src/emulator/runtime/kwok-stages';
import { ensureToolchain } from '../../../src/toolchain/toolchain';

const env: EnvRef = {
  id: 'gkeflow/demo-project/asia-east1-a/kube-test',
  project: 'demo-project',
  location: 'asia-east1-a',
  cluster: 'kube-test',
};
const ns = 'default';
const selector = { app: 'rc-node' };
const deployment = (replicas: number): ApplyDeploymentInput => ({
  env,
  namespace: ns,
  name: 'rc-node',
  replicas,
  selector,
  labels: { 'gkeflow-expires-at': '1900000000' },
  containers: [
    {
      name: 'app',
      image: `127.0.0.1:5000/demo-project/apps/demo@sha256:${'a'.repeat(64)}`,
      ports: [{ containerPort: 8888 }],
    },
  ],
});

void describe('kube activities against a real kwok control plane', { timeout: 300_000 }, () => {
  let ref: KwokClusterRef;
  let cluster: KwokCluster;
  let acts: ReturnType<typeof kubeActivities>;
  before(async () => {
    const tc = await ensureToolchain({
      only: ['kubernetes', 'etcd', 'kwok'],
      log: (l) => console.error(`[toolchain] ${l}`),
    });
    ref = { name: 'acts-kube', workdir: fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-kwok-')), toolchain: tc };
    cluster = await createKwokCluster({
      ...ref,
      nodes: [{ name: 'node-1' }, { name: 'node-2' }],
      loadBalancer: { provisionMs: 800, releaseMs: 800 },
    });
    // The same path the activities take on the local target: a GKE-shaped Cluster → in-memory KubeConfig.
    const gkeCluster = {
      name: env.cluster,
      endpoint: new URL(cluster.server).host,
      masterAuth: {
        clusterCaCertificate: cluster.caData,
        clientCertificate: cluster.clientCertData,
        clientKey: cluster.clientKeyData,
      },
    };
    acts = kubeActivities({ kubeFor: () => kubeConfigForCluster(gkeCluster, undefined), heartbeatMs: 500 });
  });
  after(async () => {
    if (ref) await deleteKwokCluster(ref);
    if (ref) fs.rmSync(ref.workdir, { recursive: true, force: true });
  });

  void it('applies the Deployment twice ⇒ one Deployment, rolled out, labelled, field manager gkeflow', async () => {
    const menv = new MockActivityEnvironment();
    const beats: unknown[] = [];
    menv.on('heartbeat', (d: unknown) => beats.push(d));
    assert.deepEqual(await menv.run(acts.applyDeployment, deployment(2)), { readyReplicas: 2 });
    assert.deepEqual(await acts.applyDeployment(deployment(2)), { readyReplicas: 2 });
    const kc = await kubeConfigForCluster(
      {
        name: 'x',
        endpoint: new URL(cluster.server).host,
        masterAuth: {
          clusterCaCertificate: cluster.caData,
          clientCertificate: cluster.clientCertData,
          clientKey: cluster.clientKeyData,
        },
      },
      undefined,
    );
    const list = await kc.makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace: ns });
    assert.equal(list.items.length, 1);
    const d = list.items[0]!;
    assert.equal(d.metadata?.labels?.['managed-by'], 'gkeflow');
    assert.equal(d.metadata?.labels?.['gkeflow-env'], envHash(env.id));
    assert.equal(d.metadata?.labels?.['gkeflow-expires-at'], '1900000000');
    assert.equal(d.metadata?.generation, 1, 'the second apply changed nothing');
    assert.ok(d.metadata?.managedFields?.some((f) => f.manager === 'gkeflow' && f.operation === 'Apply'));
    assert.ok(beats.length >= 1);
  });

  void it('scales to 3 then 5 ready replicas, twice each without change', async () => {
    assert.deepEqual(await acts.scaleDeployment({ env, namespace: ns, name: 'rc-node', replicas: 3 }), {
      readyReplicas: 3,
    });
    assert.deepEqual(await acts.scaleDeployment({ env, namespace: ns, name: 'rc-node', replicas: 5 }), {
      readyReplicas: 5,
    });
    assert.deepEqual(await acts.scaleDeployment({ env, namespace: ns, name: 'rc-node', replicas: 5 }), {
      readyReplicas: 5,
    });
  });

  void it('applies the LoadBalancer Service twice ⇒ one Service, and watches for its external IP', async () => {
    const svc = {
      env,
      namespace: ns,
      name: 'rc-node',
      selector,
      ports: [{ port: 8888, targetPort: 8888 }],
      labels: {},
    };
    await acts.applyService(svc);
    await acts.applyService(svc);
    const started = Date.now();
    const { ip } = await acts.waitForExternalIp({ env, namespace: ns, name: 'rc-node' });
    assert.ok(ip.startsWith(LB_IP_PREFIX), ip);
    assert.ok(Date.now() - started < 30_000);
    assert.deepEqual(await acts.waitForExternalIp({ env, namespace: ns, name: 'rc-node' }), { ip });
  });

  void it('deletes the Service and waits until the load balancer finalizer lets it go; a second delete is a no-op', async () => {
    const ref0 = { env, namespace: ns, name: 'rc-node' };
    const kc = await kubeConfigForCluster(
      {
        name: 'x',
        endpoint: new URL(cluster.server).host,
        masterAuth: {
          clusterCaCertificate: cluster.caData,
          clientCertificate: cluster.clientCertData,
          clientKey: cluster.clientKeyData,
        },
      },
      undefined,
    );
    const before = await kc.makeApiClient(CoreV1Api).readNamespacedService({ namespace: ns, name: 'rc-node' });
    assert.ok(
      before.metadata?.finalizers?.includes(LB_CLEANUP_FINALIZER),
      'the fake cloud controller holds the Service',
    );
    const started = Date.now();
    assert.deepEqual(await acts.deleteService(ref0), { deleted: true });
    assert.ok(Date.now() - started >= 500, 'waited for the load balancer release');
    const svcs = await kc.makeApiClient(CoreV1Api).listNamespacedService({ namespace: ns });
    assert.deepEqual(
      svcs.items.map((s) => s.metadata?.name),
      ['kubernetes'],
    );
    assert.deepEqual(await acts.deleteService(ref0), { deleted: false });
  });

  void it('deletes the Deployment; deleting it again or a missing one succeeds with deleted:false', async () => {
    const ref0 = { env, namespace: ns, name: 'rc-node' };
    assert.deepEqual(await acts.deleteDeployment(ref0), { deleted: true });
    assert.deepEqual(await acts.deleteDeployment(ref0), { deleted: false });
    await assert.rejects(acts.scaleDeployment({ ...ref0, replicas: 1 }), { name: 'ResourceNotFoundError' });
    await assert.rejects(acts.waitForExternalIp({ ...ref0, name: 'nope' }), { name: 'ResourceNotFoundError' });
  });

  void it('applies into a namespace of its own and rolls out there', async () => {
    const r = (await acts.applyDeployment({ ...deployment(1), namespace: 'team-a' })) as RolloutResult;
    assert.equal(r.readyReplicas, 1);
    assert.deepEqual(await acts.deleteDeployment({ env, namespace: 'team-a', name: 'rc-node' }), { deleted: true });
  });
});

void describe('kube activities on an environment whose cluster is gone', () => {
  void it('deletes are done ({deleted:false}, not a leftover); other kube activities fail as ResourceNotFoundError', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-emu-'));
    const emu = await emulator({ stateDir, delays: {} });
    const gke = createGkeClient({ target: 'local', emulatorAddress: emu.address, registryAddress: '127.0.0.1:1' });
    try {
      const gone = kubeActivities({ kubeFor: kubeForVia(gke, undefined) });
      const ref = { env: { ...env, cluster: 'never-was' }, namespace: ns, name: 'rc-node' };
      // The cluster itself is gone: said (a teardown reports the Service's load balancer as a possible leak).
      assert.deepEqual(await gone.deleteService(ref), { deleted: false, clusterMissing: true });
      assert.deepEqual(await gone.deleteDeployment(ref), { deleted: false, clusterMissing: true });
      await assert.rejects(gone.scaleDeployment({ ...ref, replicas: 1 }), { name: 'ResourceNotFoundError' });
    } finally {
      await gke.close();
      await emu.stop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
