import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HealthReport } from '../../../src/contract/cluster-io';
import { formatHealthSweepId, type WatchEntry } from '../../../src/contract/fleet-health';
import { expectationOf } from '../../../src/workflows/drift';
import {
  changedVerdicts,
  HEALTHY,
  MISSING,
  ownVerdict,
  sweepEveryMs,
  sweepInput,
  sweepVerdict,
} from '../../../src/workflows/fleet-sweep';
import { initialState } from '../../../src/workflows/state';
import { testAppInput, testInput } from '../../helpers/workflows';

const stateOf = (spec: ReturnType<typeof testInput>['spec']) => ({
  ...initialState(spec, 0),
  phase: 'running' as const,
  endpoint: 'http://203.0.113.7:8888',
});
const envA = testInput((d) => (d.steps = []));
const envB = testInput((d) => {
  d.steps = [];
  (d.cluster as { nodePools: unknown[] }).nodePools = [
    { name: 'default-pool', machineType: 'e2-small', nodeCount: 2 },
    { name: 'burst', machineType: 'e2-small', nodeCount: 1, autoscaling: { min: 1, max: 5 } },
  ];
});
const entry = (spec: typeof envA.spec, verdict = HEALTHY, intervalMs = 300_000): WatchEntry => ({
  expectation: expectationOf(spec, stateOf(spec)),
  intervalMs,
  verdict,
});
const healthy = (pools = [{ name: 'default-pool', nodeCount: 2, status: 'RUNNING' }]): HealthReport => ({
  cluster: 'RUNNING',
  pools,
  kube: {
    nodesReady: pools.reduce((n, p) => n + p.nodeCount, 0),
    deployment: { replicas: 2, availableReplicas: 2 },
    serviceIp: '203.0.113.7',
    serviceExists: true,
  },
});
const idA = expectationOf(envA.spec, stateOf(envA.spec)).env.id;
const idB = expectationOf(envB.spec, stateOf(envB.spec)).env.id;

void test('the expectation holds what drift.ts compares: pools, autoscaled pools, replicas, endpoint IP, workload', () => {
  const x = expectationOf(envB.spec, {
    ...stateOf(envB.spec),
    replicas: 4,
    poolSizes: { 'default-pool': 3, burst: 1 },
  });
  assert.equal(x.env.id, idB);
  assert.deepEqual(x.poolSizes, { 'default-pool': 3, burst: 1 });
  assert.deepEqual(x.autoscaledPools, ['burst']);
  assert.equal(x.replicas, 4);
  assert.equal(x.endpointIp, '203.0.113.7');
  assert.equal(x.deployment, 'rc-node');
  assert.equal(x.service, 'rc-node');
  assert.equal(x.namespace, 'default');
  // An app: its endpoint Service in its namespace, no Deployment of gkeflow's own.
  const app = testAppInput();
  const y = expectationOf(app.spec, stateOf(app.spec));
  assert.equal(y.deployment, undefined);
  assert.equal(y.service, 'web');
  assert.equal(y.namespace, 'preview');
});

void test('a healthy fleet signals nobody', () => {
  const watching = { [idA]: entry(envA.spec), [idB]: entry(envB.spec) };
  const burst = [...healthy().pools, { name: 'burst', nodeCount: 4, status: 'RUNNING' }];
  assert.deepEqual(changedVerdicts(watching, { [idA]: healthy(), [idB]: healthy(burst) }), []);
});

void test('signals only the environment that drifted, with the cause', () => {
  const watching = { [idA]: entry(envA.spec), [idB]: entry(envB.spec) };
  const resized = healthy([{ name: 'default-pool', nodeCount: 5, status: 'RUNNING' }]);
  const burst = [...healthy().pools, { name: 'burst', nodeCount: 1, status: 'RUNNING' }];
  const changed = changedVerdicts(watching, { [idA]: resized, [idB]: healthy(burst) });
  assert.equal(changed.length, 1);
  assert.equal(changed[0]?.envId, idA);
  assert.match(changed[0]?.verdict ?? '', /has 5 nodes, expected 2 \(resized outside gkeflow\)/);
});

void test('a degraded environment is signalled again only when its cause changes or it heals', () => {
  const resized = healthy([{ name: 'default-pool', nodeCount: 5, status: 'RUNNING' }]);
  const cause = sweepVerdict(entry(envA.spec), resized);
  const degraded = { [idA]: entry(envA.spec, cause) };
  assert.deepEqual(changedVerdicts(degraded, { [idA]: resized }), [], 'same cause: no signal');
  const gone = { ...resized, kube: { ...resized.kube!, serviceExists: false } };
  assert.match(changedVerdicts(degraded, { [idA]: gone })[0]?.verdict ?? '', /Service rc-node is gone/);
  assert.deepEqual(changedVerdicts(degraded, { [idA]: healthy() }), [{ envId: idA, verdict: HEALTHY }]);
});

void test('a cluster the list no longer holds is `missing`, once', () => {
  const missing: HealthReport = { cluster: 'MISSING', pools: [] };
  assert.deepEqual(changedVerdicts({ [idA]: entry(envA.spec) }, { [idA]: missing }), [
    { envId: idA, verdict: MISSING },
  ]);
  assert.deepEqual(changedVerdicts({ [idA]: entry(envA.spec, MISSING) }, { [idA]: missing }), []);
});

void test('a control plane the sweep could not read is judged on GKE facts alone, and an unread one not at all', () => {
  const unread: HealthReport = { ...healthy(), kube: undefined, kubeUnchecked: 'Kubernetes API: ECONNREFUSED' };
  delete unread.kube;
  assert.deepEqual(changedVerdicts({ [idA]: entry(envA.spec) }, { [idA]: unread }), []);
  assert.deepEqual(changedVerdicts({ [idA]: entry(envA.spec) }, {}), []);
});

void test("the environment reports its own verdict in the sweep's words", () => {
  assert.equal(ownVerdict({}), HEALTHY);
  assert.equal(ownVerdict({ drift: 'Deployment rc-node is gone' }), 'Deployment rc-node is gone');
  assert.equal(ownVerdict({ drift: 'cluster x not found; check 1 of 2', missingChecks: 1 }), MISSING);
});

void test('sweeps at the smallest interval its environments ask for, 5 minutes by default', () => {
  assert.equal(sweepEveryMs({}), 300_000);
  assert.equal(
    sweepEveryMs({ [idA]: entry(envA.spec, HEALTHY, 60_000), [idB]: entry(envB.spec, HEALTHY, 2_000) }),
    2_000,
  );
  assert.equal(sweepEveryMs({ [idA]: entry(envA.spec, HEALTHY, 1) }), 100);
});

void test('reads every watched environment in one activity input', () => {
  const i = sweepInput('gkeflow-test', 'asia-east1-a', { [idA]: entry(envA.spec), [idB]: entry(envB.spec) });
  assert.deepEqual(
    i.targets.map((t) => t.env.id),
    [idA, idB],
  );
  assert.deepEqual(Object.keys(i.targets[0] ?? {}).sort(), ['deployment', 'env', 'namespace', 'service']);
});

void test('one sweep per target, project, location and owner', () => {
  const c = { target: 'gcp', project: 'p', location: 'us-central1' };
  assert.equal(formatHealthSweepId({ ...c, owner: 'abc' }), 'gkeflow-health/gcp/p/us-central1/abc');
  assert.equal(formatHealthSweepId(c), 'gkeflow-health/gcp/p/us-central1/unowned');
});
