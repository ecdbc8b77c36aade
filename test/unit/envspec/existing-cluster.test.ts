// A namespace on a shared cluster (issue 22): `cluster: {existing, namespace, quota}`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSpec } from '../../../src/envspec';
import { envIdOf } from '../../../src/contract/provision-input';
import { formatEnvId, formatTeardownId, parseEnvId } from '../../../src/contract/environment-id';
import { baseDoc, issuesOf, type Doc } from './helpers';

function namespaceDoc(): Doc {
  const d = baseDoc();
  d.cluster = { existing: 'shared', namespace: 'pr-42', quota: { cpu: '4', memory: '8Gi', pods: 20 } };
  return d;
}

void test('a namespace environment validates: its Deployment goes into its namespace, no pools, the quota kept', () => {
  const r = checkSpec(namespaceDoc());
  assert.ok(r.ok, JSON.stringify(r.ok ? '' : r.issues));
  assert.equal(r.spec.cluster.existing, 'shared');
  assert.equal(r.spec.cluster.name, undefined);
  assert.deepEqual(r.spec.cluster.nodePools, []);
  assert.equal(r.spec.deployment?.namespace, 'pr-42');
  assert.deepEqual(r.spec.cluster.quota, { cpu: '4', memory: '8Gi', pods: '20' });
  // The workflow re-validates its input: the normal form must validate to itself.
  const again = checkSpec(JSON.parse(JSON.stringify(r.spec)));
  assert.ok(again.ok, JSON.stringify(again.ok ? '' : again.issues));
  assert.deepEqual(again.spec, r.spec);
});

void test('the id of a namespace environment has four segments and never equals its cluster environment’s', () => {
  const r = checkSpec(namespaceDoc());
  assert.ok(r.ok);
  const id = envIdOf(r.spec);
  assert.equal(id, 'gkeflow/gkeflow-demo/asia-east1-a/shared/pr-42');
  assert.notEqual(id, formatEnvId({ project: 'gkeflow-demo', location: 'asia-east1-a', cluster: 'shared' }));
  assert.deepEqual(parseEnvId(id), {
    id,
    project: 'gkeflow-demo',
    location: 'asia-east1-a',
    cluster: 'shared',
    namespace: 'pr-42',
  });
  assert.equal(parseEnvId('gkeflow/p/l/c')?.namespace, undefined);
  assert.equal(parseEnvId('gkeflow/p/l/c/ns/x'), undefined);
  assert.equal(parseEnvId('gkeflow/p/l/c/'), undefined);
  assert.equal(
    formatTeardownId({ project: 'p', location: 'l', cluster: 'c', namespace: 'ns' }),
    'gkeflow-teardown/p/l/c/ns',
  );
});

void test('refuses what would change the shared cluster, naming each field', () => {
  const d = namespaceDoc();
  d.cluster.name = 'mine';
  d.cluster.releaseChannel = 'RAPID';
  d.cluster.nodePools = [{ name: 'p', machineType: 'e2-small', nodeCount: 1 }];
  d.cluster.mode = 'autopilot';
  d.steps = [{ scale: 2 }, { resize: { pool: 'default-pool', nodeCount: 3 } }];
  const paths = issuesOf(d).map((i) => i.path);
  for (const p of ['cluster.name', 'cluster.releaseChannel', 'cluster.nodePools', 'cluster.mode', 'steps[1].resize'])
    assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
});

void test('refuses a missing or system namespace, a foreign Deployment namespace, and a bad quota', () => {
  const missing = namespaceDoc();
  delete missing.cluster.namespace;
  assert.deepEqual(
    issuesOf(missing).map((i) => i.path),
    ['cluster.namespace'],
  );
  for (const ns of ['default', 'kube-system', 'gke-managed-x', 'Bad_Name']) {
    const d = namespaceDoc();
    d.cluster.namespace = ns;
    assert.ok(
      issuesOf(d).some((i) => i.path === 'cluster.namespace'),
      ns,
    );
  }
  const other = namespaceDoc();
  other.deployment.namespace = 'elsewhere';
  assert.deepEqual(
    issuesOf(other).map((i) => i.path),
    ['deployment.namespace'],
  );
  const quota = namespaceDoc();
  quota.cluster.quota = { cpu: 'lots', gpus: 1 };
  const q = issuesOf(quota).map((i) => i.path);
  assert.ok(
    q.some((p) => p.startsWith('cluster.quota')),
    q.join(', '),
  );
});

void test('namespace and quota belong to a namespace environment only; a spec names one of name, existing', () => {
  const d = baseDoc();
  d.cluster.namespace = 'pr-1';
  assert.deepEqual(
    issuesOf(d).map((i) => i.path),
    ['cluster.namespace'],
  );
  const none = baseDoc();
  delete none.cluster.name;
  assert.deepEqual(
    issuesOf(none).map((i) => i.path),
    ['cluster.name'],
  );
});
