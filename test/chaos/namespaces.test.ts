// Issue 22: ten namespace environments on one shared local cluster (made beforehand, not by
// gkeflow), created, orphaned (their runs terminated) and reaped with grace 0: every namespace
// goes, its load balancers released, and the cluster's own objects are exactly as they were.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api } from '@kubernetes/client-node';
import { ChaosStack } from '../helpers/chaos-stack';
import { createSharedCluster } from '../helpers/shared-cluster';
import { taskQueueFor } from '../../src/config/endpoints';
import { startEnvironment } from '../../src/temporal/environments';
import { runReaperNow } from '../../src/temporal/schedules';
import { validateSpec } from '../../src/envspec';
import { ORPHANED_REASON } from '../../src/workflows/reaper/plan';
import { chaosCase, chaosSpec, EMULATOR_ENV, inventory, LOCATION, PROJECT, sweep, TUNING } from './scenario';
import { statusUntil } from '../helpers/walkthrough';

process.env.GKEFLOW_INSTALLATION ??= 'gkeflow-chaos';

let stack: ChaosStack;
before(async () => {
  stack = await ChaosStack.start({ emulatorEnv: EMULATOR_ENV });
  await stack.startWorker();
});
after(async () => {
  await stack?.stop();
});

const N = 10;
const namespaceSpec = (cluster: string, namespace: string) => {
  const doc = JSON.parse(JSON.stringify(chaosSpec(namespace))) as Record<string, unknown>;
  doc.cluster = { existing: cluster, namespace, quota: { pods: 10 } };
  doc.steps = [];
  delete (doc.deployment as Record<string, unknown>).namespace;
  return validateSpec(doc, namespace);
};

void test('ten namespace environments on one shared cluster, created and reaped: the cluster and its own objects untouched', async () => {
  await chaosCase(stack, 'namespaces', 'ten namespace environments on one shared cluster, reaped', async () => {
    const shared = await createSharedCluster(
      { target: 'local', emulatorAddress: stack.emulatorAddress, registryAddress: stack.registryAddress },
      { project: PROJECT, location: LOCATION, name: 'shared-chaos', nodes: 3 },
    );
    try {
      const cloudBefore = await inventory(stack);
      const clusterBefore = await shared.inventory();
      const names = Array.from({ length: N }, (_, i) => `pr-${i}`);
      const ids = await Promise.all(
        names.map(
          async (ns) =>
            (await startEnvironment(stack.client, stack.temporalConfig, namespaceSpec(shared.name, ns), TUNING)).envId,
        ),
      );
      for (const id of ids) await statusUntil(stack.client, id, (s) => s.phase === 'running', 600_000);
      const core = (await shared.kube()).makeApiClient(CoreV1Api);
      const made = (await core.listNamespace({ labelSelector: 'managed-by=gkeflow' })).items.map(
        (n) => n.metadata?.name,
      );
      assert.deepEqual(made.sort(), [...names].sort());
      // Orphan them: the runs end without their cleanup; the reaper finds them by their labels.
      for (const id of ids) await stack.client.workflow.getHandle(id).terminate('chaos: orphaned for the reaper');
      const { report } = await runReaperNow(stack.client, taskQueueFor('local', stack.temporalConfig), {
        projects: [PROJECT],
        orphanGraceMs: 0,
      });
      assert.deepEqual(report.failed, []);
      assert.deepEqual(
        report.deleted
          .filter((e) => e.namespace !== undefined)
          .map((e) => [e.namespace, e.reason])
          .sort(),
        names.map((ns) => [ns, ORPHANED_REASON]).sort(),
      );
      assert.equal(report.scanned, 1, 'one cluster, which is not gkeflow’s');
      assert.ok(!report.deleted.some((e) => e.namespace === undefined), 'the cluster is never reaped');
      const left = (await core.listNamespace({ labelSelector: 'managed-by=gkeflow' })).items;
      assert.deepEqual(
        left.map((n) => n.metadata?.name),
        [],
      );
      assert.deepEqual(await shared.inventory(), clusterBefore, 'the cluster and its own objects are as they were');
      const cloudAfter = await inventory(stack);
      assert.deepEqual(cloudAfter.clusters, cloudBefore.clusters);
      assert.deepEqual(cloudAfter.kube, cloudBefore.kube);
      assert.deepEqual(cloudAfter.leaks, [], 'no load balancer leaked');
      return `shared cluster + ${N} namespace environments → reaped: the cluster as before`;
    } finally {
      await shared.close();
      await sweep(stack);
    }
  });
});
