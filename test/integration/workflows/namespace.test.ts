// A namespace on a shared cluster (issue 22), on the real local cloud: a cluster made beforehand
// by someone else, a namespace environment provisioned on it (its endpoint answers), `resize`
// refused with exit 2, and a teardown that releases every load balancer in the namespace,
// deletes it, and leaves the cluster and its other objects exactly as they were.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api } from '@kubernetes/client-node';
import { resizeUpdate, teardownUpdate } from '../../../src/contract/messages';
import { LABELS, MANAGED_BY_VALUE } from '../../../src/contract/labels';
import { startEnvironment } from '../../../src/temporal/environments';
import { QUOTA_NAME } from '../../../src/activities/namespace';
import { runCli } from '../../helpers/cli';
import { startLocalCloud, type LocalCloud } from '../../helpers/local-cloud';
import { createSharedCluster, type SharedCluster } from '../../helpers/shared-cluster';
import { E2E_TUNING, exampleSpec, statusUntil } from '../../helpers/walkthrough';

let cloud: LocalCloud;
let shared: SharedCluster;

before(async () => {
  cloud = await startLocalCloud(() => undefined);
  shared = await createSharedCluster(cloud.target, {
    project: 'gkeflow-demo',
    location: 'asia-east1-a',
    name: 'shared-ns',
  });
});
after(async () => {
  await shared?.close();
  await cloud?.stop();
});

const namespaceSpec = (namespace: string) =>
  exampleSpec('unused', (doc) => {
    doc.cluster = { existing: shared.name, namespace, quota: { pods: 10, 'services.loadbalancers': 3 } };
    doc.steps = [{ scale: 3 }];
  });

void test('a namespace environment on a shared cluster: deployed, resize refused (exit 2), torn down with the cluster untouched', async () => {
  const before = await shared.inventory();
  const spec = namespaceSpec('pr-7');
  const started = await startEnvironment(cloud.client, cloud.cfg, spec, E2E_TUNING);
  assert.equal(started.envId, `gkeflow/gkeflow-demo/asia-east1-a/${shared.name}/pr-7`);
  const running = await statusUntil(
    cloud.client,
    started.envId,
    (s) => s.phase === 'running' && s.stepsDone === 1,
    240_000,
  );
  assert.equal(running.resources.namespace, 'ready');
  assert.equal(running.resources.cluster, 'absent', 'the cluster is not the environment’s');
  assert.ok(running.probe?.ok || running.probe?.skipped, JSON.stringify(running.probe));
  const answer = await fetch(`${running.endpoint}/`);
  assert.equal(answer.status, 200, 'the endpoint answers');

  const core = (await shared.kube()).makeApiClient(CoreV1Api);
  const ns = await core.readNamespace({ name: 'pr-7' });
  const labels = ns.metadata?.labels ?? {};
  assert.equal(labels[LABELS.managedBy], MANAGED_BY_VALUE);
  assert.match(labels[LABELS.owner] ?? '', /^[0-9a-f]{12}$/);
  assert.equal(
    labels[LABELS.expiresAt],
    String(Math.floor(running.expiresAt ? Date.parse(running.expiresAt) / 1000 : 0)),
  );
  const quota = await core.readNamespacedResourceQuota({ namespace: 'pr-7', name: QUOTA_NAME });
  assert.deepEqual(quota.spec?.hard, { pods: '10', 'services.loadbalancers': '3' });
  assert.equal((await core.listNamespacedPod({ namespace: 'pr-7' })).items.length, 3);

  // Resize: refused by the workflow, and by the CLI with exit 2; nothing changes.
  const handle = cloud.client.workflow.getHandle(started.envId);
  await assert.rejects(
    handle.executeUpdate(resizeUpdate, { args: [{ pool: 'default-pool', nodeCount: 3 }] }),
    (e: Error) => /never resizes it/.test(String((e as { cause?: unknown }).cause ?? e)),
  );
  const cli = await runCli(['resize', started.envId, '--pool', 'default-pool', '--nodes', '3'], {
    TEMPORAL_ADDRESS: cloud.cfg.address,
    TEMPORAL_NAMESPACE: 'default',
  });
  assert.equal(cli.code, 2, cli.stderr);
  assert.match(cli.stderr, /resize rejected: .*never resizes it/);

  // A LoadBalancer Service someone added to the namespace behind gkeflow's back: released too.
  await core.createNamespacedService({
    namespace: 'pr-7',
    body: {
      metadata: { name: 'extra-lb' },
      spec: { type: 'LoadBalancer', ports: [{ port: 9000 }], selector: { x: 'y' } },
    },
  });
  const result = await handle.executeUpdate(teardownUpdate, { args: [{}] });
  assert.deepEqual(result.leftovers, []);
  assert.ok(result.cleaned.includes('namespace'), JSON.stringify(result.cleaned));
  const gone = await core.readNamespace({ name: 'pr-7' }).then(
    () => false,
    () => true,
  );
  assert.ok(gone, 'the namespace is gone');
  assert.deepEqual(await shared.inventory(), before, 'the cluster and its own objects are as they were');
});
