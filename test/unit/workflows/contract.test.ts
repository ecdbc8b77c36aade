// The shared facts in src/contract and the pure parts of the workflows built on them: no server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledFailure } from '@temporalio/common';
import { ENV_ID_PREFIX, envRef, formatEnvId, parseEnvId } from '../../../src/contract/environment-id';
import { LABELS, SEARCH_ATTRIBUTES, searchAttributeFlags } from '../../../src/contract/labels';
import { STEPS, stepLabel, stepSummary } from '../../../src/contract/steps';
import { envRefOf } from '../../../src/envspec';
import { cleanupPlan } from '../../../src/workflows/cleanup';
import { outcomeOf } from '../../../src/workflows/outcome';
import type { ActivityProxies } from '../../../src/workflows/proxies';
import { stubActivities, testInput } from '../../helpers/workflows';

void test('an environment id formats and parses back to its coordinates; anything else does not parse', () => {
  const c = { project: 'p-1', location: 'asia-east1-a', cluster: 'web' };
  const id = formatEnvId(c);
  assert.equal(id, 'gkeflow/p-1/asia-east1-a/web');
  assert.ok(id.startsWith(ENV_ID_PREFIX));
  assert.deepEqual(parseEnvId(id), envRef(c));
  const ref = envRefOf(testInput().spec);
  assert.deepEqual(parseEnvId(ref.id), ref);
  // A namespace environment's id has a fourth segment, its namespace (issue 22).
  const ns = { ...c, namespace: 'pr-1' };
  assert.deepEqual(parseEnvId(formatEnvId(ns)), envRef(ns));
  for (const bad of ['gkeflow/p/l', 'gkeflow/p/l/c/x/y', 'gkeflow/p/l/c/', 'other/p/l/c', 'gkeflow//l/c', 'web'])
    assert.equal(parseEnvId(bad), undefined, bad);
});

void test('the step table has one step per activity, each with a summary', () => {
  assert.deepEqual(Object.keys(STEPS).sort(), Object.keys(stubActivities().activities).sort());
  const { spec } = testInput();
  const env = envRefOf(spec);
  assert.equal(stepSummary('deleteCluster', { env }), `Delete cluster ${spec.cluster.name}`);
  assert.equal(
    stepSummary('scaleDeployment', { env, namespace: 'default', name: 'rc-node', replicas: 3 }),
    'Scale rc-node to 3 pods',
  );
  assert.equal(stepLabel('resizeNodePool', { env, pool: 'default-pool', nodeCount: 4 }), 'resize default-pool 4');
  assert.equal(stepLabel('ensureCluster', { env, nodePools: [], labels: {} }), 'ensureCluster');
});

void test('one cleanup plan: Service → Deployment → cluster → image tag, skipping what is not there', () => {
  const env = envRef({ project: 'p', location: 'l', cluster: 'c' });
  const acts = {} as ActivityProxies; // never called: the plan is only listed here
  const all = cleanupPlan(acts, {
    env,
    namespace: 'default',
    service: 's',
    deployment: 'd',
    cluster: true,
    image: { repository: 'r', tag: 't' },
  });
  assert.deepEqual(
    all.map((t) => [t.kind, t.name]),
    [
      ['service', 's'],
      ['deployment', 'd'],
      ['cluster', 'c'],
      ['image', 'r:t'],
    ],
  );
  assert.deepEqual(
    cleanupPlan(acts, { env, namespace: 'default', cluster: true }).map((t) => t.kind),
    ['cluster'],
  );
});

void test('labels and search attributes: one list each, the dev server registers exactly the workflow keys', () => {
  assert.deepEqual(Object.values(LABELS), [
    'managed-by',
    'gkeflow-env',
    'gkeflow-expires-at',
    'gkeflow-protect',
    'gkeflow-owner',
  ]);
  assert.deepEqual(
    searchAttributeFlags(),
    Object.values(SEARCH_ATTRIBUTES).map((k) => `${k.name}=${k.type === 'DATETIME' ? 'Datetime' : 'Keyword'}`),
  );
});

void test('a run ends completed, cancelled, or failed at a step, decided once after cleanup', () => {
  const clean = { cleaned: ['service' as const], leftovers: [] };
  const left = { cleaned: [], leftovers: [{ kind: 'service' as const, name: 's', error: 'stuck' }] };
  const cancel = new CancelledFailure('cancelled');
  const boom = new Error('boom');
  assert.equal(outcomeOf('id', { reason: 'ttl expired', step: 'teardown' }, true, clean).end, 'completed');
  assert.equal(
    outcomeOf('id', { reason: 'cancelled', cause: cancel, step: 'applyDeployment' }, false, clean).end,
    'cancelled',
  );
  assert.equal(
    outcomeOf('id', { reason: 'down', cause: cancel, step: 'applyDeployment' }, true, clean).end,
    'completed',
  );
  const failed = outcomeOf('id', { reason: 'applyService failed', cause: boom, step: 'applyService' }, false, clean);
  assert.equal(failed.end === 'failed' && failed.step, 'applyService');
  assert.equal(failed.end === 'failed' && failed.failure.type, 'ProvisionFailedError');
  const incomplete = outcomeOf('id', { reason: 'teardown requested', step: 'teardown' }, true, left);
  assert.equal(incomplete.end === 'failed' && incomplete.failure.type, 'CleanupIncompleteError');
  assert.deepEqual(incomplete.result.leftovers, left.leftovers);
});

void test('cluster step summaries state node counts per zone, with the total for a regional cluster', () => {
  const regional = { id: 'gkeflow/p/asia-east1/c', project: 'p', location: 'asia-east1', cluster: 'c' };
  const nodePools = [{ name: 'default-pool', machineType: 'e2-medium', nodeCount: 3 }];
  assert.equal(
    STEPS.ensureCluster.summary({ env: regional, nodePools, labels: {} }),
    'Create cluster c (3 × e2-medium per zone × 3 zones = 9 nodes) in asia-east1',
  );
  assert.equal(
    STEPS.resizeNodePool.summary({ env: regional, pool: 'default-pool', nodeCount: 2 }),
    'Resize node pool default-pool to 2 per zone, 6 nodes in 3 zones',
  );
  const zonal = { ...regional, location: 'asia-east1-a' };
  assert.equal(
    STEPS.ensureCluster.summary({ env: zonal, nodePools, labels: {} }),
    'Create cluster c (3 × e2-medium) in asia-east1-a',
  );
  assert.equal(
    STEPS.resizeNodePool.summary({ env: zonal, pool: 'default-pool', nodeCount: 2 }),
    'Resize node pool default-pool to 2 nodes',
  );
});
