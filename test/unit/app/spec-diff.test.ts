import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSpec, type EnvironmentSpec } from '../../../src/envspec';
import { fixedFieldProblems, ownWorkloadProblems, specChanges } from '../../../src/envspec/spec-diff';

const spec = (over: Record<string, unknown> = {}): EnvironmentSpec => {
  const r = checkSpec({
    apiVersion: 'gkeflow/v1',
    kind: 'Environment',
    project: 'gkeflow-demo',
    location: 'asia-east1-a',
    cluster: { name: 'app-demo' },
    image: { source: 'builtin:demo', tag: 'v1' },
    app: { manifests: '/srv/k8s', namespace: 'preview', endpoint: { service: 'web', port: 80 } },
    ...over,
  });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  return r.spec;
};

void test('specChanges lists each changed leaf field with both values', () => {
  const a = spec();
  const b = spec({ image: { source: 'builtin:demo', tag: 'v2' } });
  assert.deepEqual(specChanges(a, b), [{ path: 'image.tag', from: 'v1', to: 'v2' }]);
  assert.deepEqual(specChanges(a, spec()), []);
});

void test('an update may change the image, the bundle and the probe, never the cluster, the namespace or the workload kind', () => {
  const a = spec();
  assert.deepEqual(fixedFieldProblems(a, spec({ image: { source: 'builtin:demo', tag: 'v2' } })), []);
  const bad = spec({
    cluster: {
      name: 'app-demo',
      releaseChannel: 'RAPID',
      nodePools: [{ name: 'p2', machineType: 'e2-small', nodeCount: 1 }],
    },
    app: { manifests: '/srv/k8s', namespace: 'other', endpoint: { service: 'web', port: 80 } },
  });
  assert.deepEqual(
    fixedFieldProblems(a, bad).map((i) => i.path),
    ['app.namespace', 'cluster.nodePools', 'cluster.releaseChannel'],
  );
  assert.match(
    fixedFieldProblems(a, bad).find((i) => i.path === 'cluster.releaseChannel')!.message,
    /GKE cannot change it in place/,
  );
});

void test("a running environment of gkeflow's own Deployment refuses every change, each naming its field and what to do", () => {
  const deployment = (replicas: number) => ({
    name: 'web',
    replicas,
    containers: [{ name: 'web', image: '$image', ports: [8888] }],
  });
  const own = (over: Record<string, unknown> = {}) =>
    spec({ app: undefined, deployment: deployment(2), service: { ports: [{ port: 8888 }] }, ...over });
  const a = own();
  assert.deepEqual(ownWorkloadProblems(a, own()), []);
  const b = own({
    image: { source: 'builtin:demo', tag: 'v2' },
    deployment: deployment(5),
    cluster: { name: 'app-demo', releaseChannel: 'RAPID' },
    ttl: '3h',
  });
  const problems = ownWorkloadProblems(a, b);
  assert.deepEqual(
    problems.map((i) => i.path),
    specChanges(a, b).map((c) => c.path),
  );
  const why = Object.fromEntries(problems.map((i) => [i.path, i.message]));
  assert.match(why['deployment.replicas']!, /gkeflow scale/);
  assert.match(why['image.tag']!, /not rolled out .* in place.*app:/);
  assert.match(why['cluster.releaseChannel']!, /GKE cannot change it in place/);
  assert.match(why.ttl!, /gkeflow extend/);
});
