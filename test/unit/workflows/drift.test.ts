import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HealthReport } from '../../../src/contract/cluster-io';
import { assessHealth, endpointHost } from '../../../src/workflows/drift';
import { initialState } from '../../../src/workflows/state';
import { healthyReport, testInput } from '../../helpers/workflows';

const input = testInput((d) => (d.steps = []));
const state = {
  ...initialState(input.spec, 0),
  phase: 'running' as const,
  endpoint: 'http://203.0.113.7:8888',
};
const healthy = healthyReport();

void test('a report matching what gkeflow left is healthy, also while GKE reconciles', () => {
  assert.deepEqual(assessHealth(input.spec, state, healthy, 0), { verdict: { kind: 'healthy' }, missingChecks: 0 });
  const reconciling = { ...healthy, cluster: 'RECONCILING' };
  assert.equal(assessHealth(input.spec, state, reconciling, 0).verdict.kind, 'healthy');
  // Without a control plane (no Kubernetes side), only GKE's view counts.
  const gkeOnly: HealthReport = { cluster: 'RUNNING', pools: healthy.pools, kubeUnchecked: 'no endpoint' };
  assert.equal(assessHealth(input.spec, state, gkeOnly, 0).verdict.kind, 'healthy');
});

void test('each kind of drift is named in the cause', () => {
  const cases: Array<[Partial<HealthReport>, RegExp]> = [
    [{ cluster: 'ERROR' }, /cluster \S+ is ERROR/],
    [{ pools: [] }, /node pool default-pool is gone/],
    [
      { pools: [{ name: 'default-pool', nodeCount: 5, status: 'RUNNING' }] },
      /has 5 nodes, expected 2 \(resized outside gkeflow\)/,
    ],
    [{ pools: [{ name: 'default-pool', nodeCount: 2, status: 'ERROR' }] }, /node pool default-pool is ERROR/],
    [{ kube: { ...healthy.kube!, nodesReady: 1 } }, /only 1 of 2 nodes are Ready/],
    [{ kube: { nodesReady: 2, serviceIp: '203.0.113.7', serviceExists: true } }, /Deployment rc-node is gone/],
    [{ kube: { ...healthy.kube!, deployment: { replicas: 2, availableReplicas: 1 } } }, /1 of 2 replicas available/],
    [
      { kube: { nodesReady: 2, deployment: { replicas: 2, availableReplicas: 2 }, serviceExists: false } },
      /Service rc-node is gone/,
    ],
    [
      { kube: { nodesReady: 2, deployment: { replicas: 2, availableReplicas: 2 }, serviceExists: true } },
      /has no external IP/,
    ],
    [{ kube: { ...healthy.kube!, serviceIp: '198.51.100.1' } }, /changed from 203\.0\.113\.7 to 198\.51\.100\.1/],
  ];
  for (const [over, cause] of cases) {
    const { verdict } = assessHealth(input.spec, state, { ...healthy, ...over }, 0);
    assert.equal(verdict.kind, 'degraded', JSON.stringify(over));
    assert.match(verdict.kind === 'degraded' ? verdict.cause : '', cause);
  }
});

void test('a missing cluster is degraded once, lost when a second check confirms it, and forgiven if it returns', () => {
  const missing: HealthReport = { cluster: 'MISSING', pools: [] };
  const once = assessHealth(input.spec, state, missing, 0);
  assert.equal(once.verdict.kind, 'degraded');
  assert.equal(once.missingChecks, 1);
  const twice = assessHealth(input.spec, state, missing, once.missingChecks);
  assert.equal(twice.verdict.kind, 'lost');
  assert.equal(assessHealth(input.spec, state, healthy, once.missingChecks).missingChecks, 0);
});

void test('endpointHost takes the IP out of the endpoint URL', () => {
  assert.equal(endpointHost('http://203.0.113.7:8888'), '203.0.113.7');
  assert.equal(endpointHost(undefined), undefined);
});
