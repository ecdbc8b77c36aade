/**
 * Issue 17 point 6: a Service whose cluster was already gone when the teardown came is reported
 * as a possible leak (GKE does not release a deleted cluster's load balancers), never as cleaned,
 * in a teardownWorkflow's result and in the reaper's report. The real Temporal server and
 * workflows; activities stubbed to answer as on a cluster deleted between the list and the teardown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TeardownInput } from '../../../src/workflows';
import type { teardownWorkflow } from '../../../src/workflows/teardown';
import { POSSIBLE_LB_LEAK } from '../../../src/workflows/teardown';
import type { ReaperInput, ReapReport } from '../../../src/workflows/reaper';
import { envHash, expiresAtLabel, LABELS, MANAGED_BY_VALUE } from '../../../src/contract/labels';
import { formatEnvId } from '../../../src/contract/environment-id';
import { POSSIBLE_APP_LB_LEAK } from '../../../src/workflows/cleanup';
import { statusQuery, teardownUpdate } from '../../../src/workflows';
import {
  eventually,
  FAST,
  startEnv,
  stubActivities,
  clusterTable,
  testAppInput,
  testInput,
  withWorker,
  type Stub,
} from '../../helpers/workflows';
import { TEST_OWNER } from '../../helpers/reaper';

const PROJECT = 'gkeflow-test';
const ZONE = 'asia-east1-a';

/** The cluster was deleted by someone else before the teardown: every Kubernetes delete finds no cluster. */
function clusterGone(stub: Stub): void {
  stub.activities.deleteService = () => Promise.resolve({ deleted: false, clusterMissing: true });
  stub.activities.deleteDeployment = () => Promise.resolve({ deleted: false, clusterMissing: true });
  stub.activities.deleteCluster = () => Promise.resolve({ deleted: false });
  stub.activities.deleteApp = () => Promise.resolve({ deleted: false, members: [], clusterMissing: true });
}

/** The reaper's listing shows one gkeflow cluster of TEST_OWNER, created `ageMs` ago, with `labels` added. */
function listsOne(stub: Stub, cluster: string, ageMs: number, labels: Record<string, string> = {}): void {
  const envId = formatEnvId({ project: PROJECT, location: ZONE, cluster });
  const c = {
    project: PROJECT,
    location: ZONE,
    name: cluster,
    status: 'RUNNING',
    labels: {
      [LABELS.managedBy]: MANAGED_BY_VALUE,
      [LABELS.env]: envHash(envId),
      [LABELS.owner]: TEST_OWNER,
      ...labels,
    },
    createdAtMs: Date.now() - ageMs,
  };
  stub.activities.listClusterTable = () => Promise.resolve(clusterTable([c]));
}

void test('teardownWorkflow on an already-missing cluster: its Service is a possible leak, not cleaned', async () => {
  const stub = stubActivities();
  clusterGone(stub);
  await withWorker(stub, async ({ client, taskQueue }) => {
    const env = {
      id: formatEnvId({ project: PROJECT, location: ZONE, cluster: 'gone' }),
      project: PROJECT,
      location: ZONE,
      cluster: 'gone',
    };
    const input: TeardownInput = { env, service: 'web', deployment: 'web', reason: 'orphaned', tuning: FAST };
    const r = await client.workflow.execute<typeof teardownWorkflow>('teardownWorkflow', {
      workflowId: `teardown-missing-${Date.now()}`,
      taskQueue,
      args: [input],
    });
    assert.ok(!r.cleaned.includes('service'), `the Service is not reported cleaned: ${r.cleaned.join(', ')}`);
    assert.deepEqual(r.possibleLeaks, [{ kind: 'service', name: 'web', error: POSSIBLE_LB_LEAK }]);
    assert.deepEqual(r.leftovers, []);
  });
});

void test("the reaper's report names the possible leak of an orphan whose cluster went before its teardown", async () => {
  const stub = stubActivities();
  clusterGone(stub);
  const cluster = 'gone-orphan';
  const envId = formatEnvId({ project: PROJECT, location: ZONE, cluster });
  listsOne(stub, cluster, 3_600_000);
  stub.activities.environmentResources = () =>
    Promise.resolve({ [envId]: { namespace: 'default', service: 'web', deployment: 'web' } });
  await withWorker(stub, async ({ client, taskQueue }) => {
    const r = await client.workflow.execute<(i: ReaperInput) => Promise<ReapReport>>('reaperWorkflow', {
      workflowId: `reap-missing-${Date.now()}`,
      taskQueue,
      args: [{ projects: [PROJECT], orphanGraceMs: 0, owner: TEST_OWNER, tuning: FAST }],
    });
    assert.deepEqual(
      r.deleted.map((e) => [e.cluster, e.possibleLeaks]),
      [[cluster, [`service web: ${POSSIBLE_LB_LEAK}`]]],
    );
  });
});

void test("teardownWorkflow of an app on an already-missing cluster: the app's load balancers are a possible leak, not cleaned", async () => {
  const stub = stubActivities();
  clusterGone(stub);
  await withWorker(stub, async ({ client, taskQueue }) => {
    const env = {
      id: formatEnvId({ project: PROJECT, location: ZONE, cluster: 'gone-app' }),
      project: PROJECT,
      location: ZONE,
      cluster: 'gone-app',
    };
    const input: TeardownInput = { env, namespace: 'preview', app: true, reason: 'orphaned', tuning: FAST };
    const r = await client.workflow.execute<typeof teardownWorkflow>('teardownWorkflow', {
      workflowId: `teardown-missing-app-${Date.now()}`,
      taskQueue,
      args: [input],
    });
    assert.deepEqual(r.cleaned, ['cluster'], 'the app is not reported cleaned');
    assert.deepEqual(r.possibleLeaks, [{ kind: 'service', name: 'app in preview', error: POSSIBLE_APP_LB_LEAK }]);
    assert.deepEqual(r.leftovers, []);
  });
});

/** Starts an environment, waits until it runs, then tears it down on a cluster deleted meanwhile. */
async function tearDownOnGoneCluster(input: ReturnType<typeof testInput>) {
  const stub = stubActivities();
  clusterGone(stub);
  return withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startEnv(client, taskQueue, input);
    await eventually(
      () => handle.query(statusQuery),
      (s) => s.phase === 'running',
    );
    const result = await handle.executeUpdate(teardownUpdate, { args: [{}] });
    const status = await handle.query(statusQuery);
    return { result, status };
  });
}

void test("an app environment torn down after its cluster went: the app's load balancers are a possible leak, not cleaned", async () => {
  const { result, status } = await tearDownOnGoneCluster(testAppInput());
  assert.ok(!result.cleaned.includes('service'), `the app is not reported cleaned: ${result.cleaned.join(', ')}`);
  assert.deepEqual(result.possibleLeaks, [{ kind: 'service', name: 'app in preview', error: POSSIBLE_APP_LB_LEAK }]);
  assert.deepEqual(result.leftovers, []);
  assert.equal(status.resources.service, 'cleanup-failed');
});

void test("an environment torn down after its cluster went: its Service's load balancer is a possible leak, not cleaned", async () => {
  const { result } = await tearDownOnGoneCluster(testInput((d) => (d.steps = [])));
  assert.ok(!result.cleaned.includes('service'), `the Service is not reported cleaned: ${result.cleaned.join(', ')}`);
  assert.deepEqual(
    result.possibleLeaks?.map((l) => [l.kind, l.error]),
    [['service', POSSIBLE_LB_LEAK]],
  );
});

void test("the reaper's report names the possible leak of an expired live environment whose own teardown found its cluster gone", async () => {
  const stub = stubActivities();
  const cluster = 'gone-live';
  const envId = formatEnvId({ project: PROJECT, location: ZONE, cluster });
  const leak = { kind: 'service' as const, name: 'app in preview', error: POSSIBLE_APP_LB_LEAK };
  listsOne(stub, cluster, 7_200_000, { [LABELS.expiresAt]: expiresAtLabel(Date.now() - 3_600_000) });
  stub.activities.openEnvironments = () => Promise.resolve([envId]);
  stub.activities.endEnvironment = () =>
    Promise.resolve({ envId, reason: 'expired', cleaned: ['cluster'], leftovers: [], possibleLeaks: [leak] });
  await withWorker(stub, async ({ client, taskQueue }) => {
    const r = await client.workflow.execute<(i: ReaperInput) => Promise<ReapReport>>('reaperWorkflow', {
      workflowId: `reap-missing-live-${Date.now()}`,
      taskQueue,
      args: [{ projects: [PROJECT], orphanGraceMs: 0, owner: TEST_OWNER, tuning: FAST }],
    });
    assert.deepEqual(
      r.deleted.map((e) => [e.cluster, e.via, e.possibleLeaks]),
      [[cluster, 'environment-workflow', [`service app in preview: ${POSSIBLE_APP_LB_LEAK}`]]],
    );
  });
});
