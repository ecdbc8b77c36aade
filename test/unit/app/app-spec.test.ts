import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { applysetId, applysetParent, groupKindOf, withImage, APPLYSET } from '../../../src/activities/applyset';
import { renderApp } from '../../../src/bundle/render';
import { decodeBundleLayer, encodeBundle } from '../../../src/bundle/format';
import { checkSpec, loadSpecFile } from '../../../src/envspec';

const base = {
  apiVersion: 'gkeflow/v1',
  kind: 'Environment',
  project: 'gkeflow-demo',
  location: 'asia-east1-a',
  cluster: { name: 'app-demo' },
  app: { manifests: '/srv/k8s', namespace: 'preview', endpoint: { service: 'web', port: 80 } },
};
const noKubectl = {
  kubectl: () => Promise.reject(new Error('not needed')),
  helm: () => Promise.reject(new Error('not needed')),
};

void test('an app spec is valid without deployment and service; its probe targets the endpoint port', () => {
  const r = checkSpec(base);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  assert.equal(r.spec.deployment, undefined);
  assert.equal(r.spec.probe.port, 80);
  assert.equal(r.spec.app?.namespace, 'preview');
});

void test('every app problem is reported at once, naming its field', () => {
  const r = checkSpec({
    ...base,
    deployment: { name: 'web', containers: [{ name: 'web' }] },
    app: { manifests: './a', kustomize: './b', namespace: 'Bad_NS', endpoint: { service: 'web', port: 0 }, extra: 1 },
    steps: [{ scale: 2 }],
  });
  assert.ok(!r.ok);
  const paths = r.issues.map((i) => i.path);
  for (const p of ['deployment', 'app', 'app.namespace', 'app.endpoint.port', 'app.extra', 'steps[0].scale'])
    assert.ok(paths.includes(p), `${p} in ${JSON.stringify(r.issues)}`);
});

void test('a spec with neither app nor deployment+service names both missing fields', () => {
  const { app: _app, ...noApp } = base;
  void _app;
  const r = checkSpec(noApp);
  assert.ok(!r.ok);
  assert.deepEqual(
    r.issues.filter((i) => i.path === 'deployment' || i.path === 'service').map((i) => i.path),
    ['deployment', 'service'],
  );
});

void test('the example app spec resolves its manifests relative to the spec file', () => {
  const spec = loadSpecFile(path.join(__dirname, '..', '..', '..', 'examples', 'app', 'app.yaml'));
  assert.equal(spec.app?.manifests, path.resolve(__dirname, '..', '..', '..', 'examples', 'app', 'k8s'));
});

void test('rendering names the file and object of every problem, and a missing endpoint Service', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-render-'));
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n');
  fs.writeFileSync(
    path.join(dir, 'sub', 'b.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n---\nkind: Secret\nmetadata: {name: s}\n',
  );
  const { issues } = await renderApp({ ...base.app, manifests: dir }, noKubectl);
  const d = path.basename(dir); // sources are named relative to the spec's directory: <dir>/sub/b.yaml
  assert.deepEqual(
    issues.map((i) => `${i.path}: ${i.message}`),
    [
      `app.manifests: ${d}/sub/b.yaml (document 2) Secret s: has no apiVersion`,
      `app: ConfigMap cfg is rendered twice (${d}/a.yaml and ${d}/sub/b.yaml)`,
    ],
  );
  fs.rmSync(path.join(dir, 'sub'), { recursive: true });
  const ok = await renderApp({ ...base.app, manifests: dir }, noKubectl);
  assert.deepEqual(
    ok.issues.map((i) => i.path),
    ['app.endpoint.service'],
  );
});

void test('the ApplySet id follows KEP-3659 and the parent lists sorted group-kinds', () => {
  assert.match(applysetId('preview'), /^applyset-[A-Za-z0-9_-]{43}-v1$/);
  assert.notEqual(applysetId('preview'), applysetId('other'));
  assert.equal(groupKindOf({ apiVersion: 'apps/v1', kind: 'Deployment' }), 'Deployment.apps');
  assert.equal(groupKindOf({ apiVersion: 'v1', kind: 'Service' }), 'Service');
  const env = { id: 'gkeflow/p/l/c', project: 'p', location: 'l', cluster: 'c' };
  const p = applysetParent(env, 'preview', ['Service', 'Deployment.apps', 'Service'], ['preview', 'other']);
  assert.equal(p.metadata?.annotations?.[APPLYSET.containsGroupKinds], 'Deployment.apps,Service');
  assert.equal(p.metadata?.annotations?.[APPLYSET.additionalNamespaces], 'other');
  assert.equal(p.metadata?.labels?.[APPLYSET.id], applysetId('preview'));
});

void test('$image becomes the pushed digest in containers and init containers, nowhere else', () => {
  const o = {
    spec: {
      template: {
        spec: { initContainers: [{ image: '$image' }], containers: [{ image: '$image' }, { image: 'nginx' }] },
      },
      note: '$image',
    },
  };
  const r = withImage(o, 'reg/p/r/app@sha256:ab');
  assert.deepEqual(r.spec.template.spec.containers, [{ image: 'reg/p/r/app@sha256:ab' }, { image: 'nginx' }]);
  assert.deepEqual(r.spec.template.spec.initContainers, [{ image: 'reg/p/r/app@sha256:ab' }]);
  assert.equal(r.spec.note, '$image');
});

void test('a bundle encodes deterministically (same app, same digest) and round-trips; a 5 MB bundle too', () => {
  const big = 'x'.repeat(5 * 1024 * 1024);
  const bundle = {
    objects: [
      {
        source: 'k8s/cfg.yaml',
        object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { big } },
      },
    ],
  };
  const a = encodeBundle(bundle);
  assert.equal(encodeBundle(bundle).manifestDigest, a.manifestDigest);
  assert.deepEqual(decodeBundleLayer(a.layer, a.layerDigest), bundle);
  assert.throws(() => decodeBundleLayer(Buffer.concat([a.layer, Buffer.from('x')]), a.layerDigest), /does not match/);
});
