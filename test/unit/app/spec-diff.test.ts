import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSpec, type EnvironmentSpec } from '../../../src/envspec';
import { fixedFieldProblems, specChanges } from '../../../src/envspec/spec-diff';

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
