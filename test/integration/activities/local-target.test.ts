/**
 * Every activity on the local target, through createActivities and createTargetClients exactly
 * as the worker builds them: the GKE emulator with real kwok control planes, the real registry.
 * Prints each step's time.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { activitiesForTarget } from '../../../src/activities/index';
import type { EnvRef } from '../../../src/contract/environment-id';
import type { GkeflowActivities } from '../../../src/contract/activities';
import type { TargetConfig } from '../../../src/clients/config';
import { createTargetClients, type TargetClients } from '../../../src/clients/index';
import { LB_IP_PREFIX } from '../../../src/emulator/runtime/kwok-stages';
import type { RunningEmulator } from '../../../src/emulator';
import { emulator } from '../../helpers/emulator';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry-server';

const env: EnvRef = {
  id: 'gkeflow/demo-project/asia-east1-a/tensorflow-cluster001',
  project: 'demo-project',
  location: 'asia-east1-a',
  cluster: 'tensorflow-cluster001',
};
const ns = 'default';
const selector = { app: 'rc-node' };
const labels = { 'gkeflow-expires-at': '1900000000' };

void describe('all activities on the local target (emulator + kwok + registry)', { timeout: 600_000 }, () => {
  let emu: RunningEmulator;
  let reg: TestRegistry;
  let clients: TargetClients;
  let acts: GkeflowActivities;
  let stateDir: string;
  let closeActs: (() => Promise<void>) | undefined;
  const times: Array<[string, number]> = [];
  const timed = async <T>(step: string, f: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await f();
    } finally {
      times.push([step, Date.now() - t0]);
    }
  };

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-local-'));
    reg = await startTestRegistry();
    emu = await emulator({
      stateDir,
      controlPlane: 'kwok',
      delays: {
        operationPending: 0,
        createCluster: 200,
        deleteCluster: 200,
        setNodePoolSize: 200,
        lbProvision: 500,
        lbRelease: 500,
      },
    });
    const config: TargetConfig = { target: 'local', emulatorAddress: emu.address, registryAddress: reg.address };
    clients = createTargetClients(config); // for inspecting the cluster
    const built = activitiesForTarget(config, { gkePollMs: 100, heartbeatMs: 1000 }); // what the worker does
    acts = built.activities;
    closeActs = built.close;
  });
  after(async () => {
    await acts?.deleteCluster({ env }).catch(() => {});
    await clients?.close();
    await closeActs?.();
    await emu?.stop();
    await reg?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
    console.log(times.map(([s, ms]) => `  ${s.padEnd(28)} ${(ms / 1000).toFixed(2)}s`).join('\n'));
  });

  void it('walks the walkthrough: push → cluster → deploy → expose → IP → probe → scale 3, 5 → resize 3 → teardown', async () => {
    const pushed = await timed('pushImage', () =>
      acts.pushImage({
        env,
        source: { kind: 'builtin', name: 'demo' },
        repository: 'asia-docker.pkg.dev/demo-project/apps/tensorflow',
        tag: 'v1',
      }),
    );
    assert.match(pushed.reference, /^127\.0\.0\.1:\d+\/demo-project\/apps\/tensorflow@sha256:[0-9a-f]{64}$/);
    const cluster = await timed('ensureCluster', () =>
      acts.ensureCluster({ env, labels, nodePools: [{ name: 'default-pool', machineType: 'e2-small', nodeCount: 2 }] }),
    );
    assert.equal(cluster.created, true);
    assert.equal(cluster.status, 'RUNNING');
    assert.equal(
      (
        await timed('ensureCluster (again)', () =>
          acts.ensureCluster({
            env,
            labels,
            nodePools: [{ name: 'default-pool', machineType: 'e2-small', nodeCount: 2 }],
          }),
        )
      ).created,
      false,
    );
    const deployment = {
      env,
      namespace: ns,
      name: 'rc-node',
      replicas: 2,
      selector,
      labels,
      containers: [{ name: 'tensorflow', image: pushed.reference, ports: [{ containerPort: 8888 }] }],
    };
    assert.deepEqual(await timed('applyDeployment', () => acts.applyDeployment(deployment)), { readyReplicas: 2 });
    assert.deepEqual(await timed('applyDeployment (again)', () => acts.applyDeployment(deployment)), {
      readyReplicas: 2,
    });
    const service = {
      env,
      namespace: ns,
      name: 'rc-node',
      selector,
      labels,
      ports: [{ port: 8888, targetPort: 8888 }],
    };
    await timed('applyService', () => acts.applyService(service));
    await timed('applyService (again)', () => acts.applyService(service));
    const { ip } = await timed('waitForExternalIp', () =>
      acts.waitForExternalIp({ env, namespace: ns, name: 'rc-node' }),
    );
    assert.ok(ip.startsWith(LB_IP_PREFIX), ip);
    const probe = await timed('probeEndpoint', () => acts.probeEndpoint({ url: `http://${ip}:8888/` }));
    // The local data plane answers on the loopback LB IP (issue 11): the probe runs, it is not skipped.
    assert.equal(probe.ok, true);
    assert.deepEqual(
      await timed('scaleDeployment 3', () =>
        acts.scaleDeployment({ env, namespace: ns, name: 'rc-node', replicas: 3 }),
      ),
      { readyReplicas: 3 },
    );
    assert.deepEqual(
      await timed('scaleDeployment 5', () =>
        acts.scaleDeployment({ env, namespace: ns, name: 'rc-node', replicas: 5 }),
      ),
      { readyReplicas: 5 },
    );
    await timed('resizeNodePool 3', () => acts.resizeNodePool({ env, pool: 'default-pool', nodeCount: 3 }));
    const nodes = await (await clients.kubeFor(env)).makeApiClient(CoreV1Api).listNode();
    assert.equal(nodes.items.length, 3, 'the emulator added a kwok node');
    assert.deepEqual(await timed('deleteService', () => acts.deleteService({ env, namespace: ns, name: 'rc-node' })), {
      deleted: true,
    });
    assert.deepEqual(
      await timed('deleteDeployment', () => acts.deleteDeployment({ env, namespace: ns, name: 'rc-node' })),
      { deleted: true },
    );
    assert.deepEqual(await timed('deleteCluster', () => acts.deleteCluster({ env })), { deleted: true });
    assert.deepEqual(
      await timed('deleteImageTag', () =>
        acts.deleteImageTag({ env, repository: 'asia-docker.pkg.dev/demo-project/apps/tensorflow', tag: 'v1' }),
      ),
      { deleted: true },
    );
    assert.deepEqual(
      await acts.deleteImageTag({ env, repository: 'asia-docker.pkg.dev/demo-project/apps/tensorflow', tag: 'v1' }),
      { deleted: false },
    );
  });

  void it('reaches Kubernetes only through GetCluster: on a deleted cluster, deletes are done (nothing left) and other kube activities fail as ResourceNotFoundError', async () => {
    const gone = { deleted: false, clusterMissing: true };
    assert.deepEqual(await acts.deleteDeployment({ env, namespace: ns, name: 'rc-node' }), gone);
    assert.deepEqual(await acts.deleteService({ env, namespace: ns, name: 'rc-node' }), gone);
    await assert.rejects(
      acts.scaleDeployment({ env, namespace: ns, name: 'rc-node', replicas: 1 }),
      (e: unknown) => e instanceof ApplicationFailure && e.type === 'ResourceNotFoundError' && e.nonRetryable,
    );
    assert.deepEqual(await acts.deleteCluster({ env }), { deleted: false });
  });
});
