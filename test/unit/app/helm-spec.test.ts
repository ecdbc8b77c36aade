import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { renderApp } from '../../../src/bundle/render';
import { checkSpec, loadSpecFile } from '../../../src/envspec';
import { specJsonSchema } from '../../../src/envspec/json-schema';

const EXAMPLE = path.resolve(__dirname, '..', '..', '..', 'examples', 'app');
const app = (extra: Record<string, unknown>) => ({
  apiVersion: 'gkeflow/v1',
  kind: 'Environment',
  project: 'gkeflow-demo',
  location: 'asia-east1-a',
  cluster: { name: 'helm-demo' },
  app: { namespace: 'preview', endpoint: { service: 'web', port: 80 }, ...extra },
});
const noHelm = {
  kubectl: () => Promise.reject(new Error('kubectl is not needed')),
  helm: () => Promise.reject(new Error('helm must not run')),
};

void test('the example Helm spec resolves its chart and values files relative to the spec file', () => {
  const spec = loadSpecFile(path.join(EXAMPLE, 'helm.yaml'));
  assert.deepEqual(spec.app?.helm, {
    chart: path.join(EXAMPLE, 'chart'),
    release: 'web',
    valuesFiles: [path.join(EXAMPLE, 'values', 'preview.yaml')],
    values: { web: { replicas: 2 } },
  });
  assert.equal(spec.app?.manifests, undefined);
});

void test('app.helm defaults: no values files, no values', () => {
  const r = checkSpec(app({ helm: { chart: '/srv/chart', release: 'web' } }));
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  assert.deepEqual(r.spec.app?.helm, { chart: '/srv/chart', release: 'web', valuesFiles: [], values: {} });
});

void test('every app.helm problem is reported at once, naming its field', () => {
  const r = checkSpec(
    app({ helm: { chart: 'oci://registry.example/charts/web', valuesFiles: [''], values: 'replicas=2', extra: 1 } }),
  );
  assert.ok(!r.ok);
  const byPath = new Map(r.issues.map((i) => [i.path, i.message]));
  assert.deepEqual([...byPath.keys()].sort(), [
    'app.helm.chart',
    'app.helm.extra',
    'app.helm.release',
    'app.helm.values',
    'app.helm.valuesFiles[0]',
  ]);
  assert.match(byPath.get('app.helm.chart') ?? '', /local chart directory.*helm pull/);
  assert.match(byPath.get('app.helm.values') ?? '', /mapping/);
});

void test('a Helm release name follows Helm: a DNS label of at most 53 characters', () => {
  for (const release of ['Web', 'web_1', 'w'.repeat(54)]) {
    const r = checkSpec(app({ helm: { chart: '/srv/chart', release } }));
    assert.ok(!r.ok, release);
    assert.deepEqual(
      r.issues.map((i) => i.path),
      ['app.helm.release'],
      release,
    );
  }
  assert.ok(checkSpec(app({ helm: { chart: '/srv/chart', release: 'w'.repeat(53) } })).ok);
});

void test('an app has exactly one of manifests, kustomize, helm', () => {
  const r = checkSpec(app({ manifests: '/srv/k8s', helm: { chart: '/srv/chart', release: 'web' } }));
  assert.ok(!r.ok);
  assert.deepEqual(
    r.issues.map((i) => `${i.path}: ${i.message}`),
    ['app: must have exactly one of manifests, kustomize, helm'],
  );
});

void test('a missing chart or values file is named before helm runs', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-helm-'));
  try {
    const spec = loadSpecFile(path.join(EXAMPLE, 'helm.yaml'));
    const helm = {
      ...spec.app!.helm!,
      chart: path.join(dir, 'no-chart'),
      valuesFiles: [path.join(EXAMPLE, 'values', 'preview.yaml'), path.join(dir, 'missing.yaml')],
    };
    const { issues } = await renderApp({ ...spec.app!, helm }, noHelm);
    assert.deepEqual(
      issues.map((i) => i.path),
      ['app.helm.chart', 'app.helm.valuesFiles[1]'],
    );
    assert.match(issues[0]!.message, /no chart at .*no-chart/);
    assert.match(issues[1]!.message, /missing\.yaml/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

void test("the spec's JSON Schema describes app.helm", () => {
  const props = (s: unknown) => (s as { properties: Record<string, unknown> }).properties;
  const helm = props(props(props(specJsonSchema()).app!).helm!);
  assert.deepEqual(Object.keys(helm).sort(), ['chart', 'release', 'values', 'valuesFiles']);
});
