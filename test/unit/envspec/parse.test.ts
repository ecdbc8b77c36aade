import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  checkSpec,
  envIdOf,
  loadSpecFile,
  parseSpec,
  SpecValidationError,
  toProvisionInput,
} from '../../../src/envspec';
import { baseDoc } from './helpers';

const examples = path.join(__dirname, '..', '..', '..', 'examples');

void test('the tensorflow walkthrough example validates and reads like the walkthrough', () => {
  const spec = loadSpecFile(path.join(examples, 'tensorflow-notebook.yaml'));
  assert.equal(spec.location, 'asia-east1-a');
  assert.equal(spec.cluster.name, 'tensorflow-cluster001');
  assert.deepEqual(
    spec.cluster.nodePools.map((p) => [p.name, p.machineType, p.nodeCount]),
    [['default-pool', 'e2-small', 2]],
  );
  assert.equal(spec.image?.source, 'builtin:demo');
  assert.match(spec.image?.repository ?? '', /^asia-docker\.pkg\.dev\/gkeflow-demo\/[a-z-]+\/tensorflow$/);
  assert.equal(spec.deployment!.name, 'rc-node');
  assert.equal(spec.deployment!.replicas, 2);
  assert.deepEqual(
    spec.service!.ports.map((p) => [p.port, p.targetPort]),
    [[8888, 8888]],
  );
  assert.deepEqual(spec.steps, [{ scale: 3 }, { scale: 5 }, { resize: { pool: 'default-pool', nodeCount: 3 } }]);
  assert.equal(envIdOf(spec), 'gkeflow/gkeflow-demo/asia-east1-a/tensorflow-cluster001');
});

void test('the richer example validates (pools, sidecar, probes, resources, env)', () => {
  const spec = loadSpecFile(path.join(examples, 'web-with-sidecar.yaml'));
  assert.equal(spec.cluster.nodePools.length, 2);
  assert.equal(spec.deployment!.containers.length, 2);
  assert.equal(spec.deployment!.containers[0]?.env.CACHE_TTL_SECONDS, '60');
});

void test('fills in defaults', () => {
  const doc = baseDoc();
  delete doc.cluster.nodePools;
  delete doc.image.repository;
  delete doc.image.tag;
  delete doc.deployment.replicas;
  const r = checkSpec(doc);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  const s = r.spec;
  assert.equal(s.target, 'local');
  assert.equal(s.cluster.mode, 'standard');
  assert.deepEqual(s.cluster.nodePools, [
    { name: 'default-pool', machineType: 'e2-medium', nodeCount: 3, diskSizeGb: 100, labels: {} },
  ]);
  assert.equal(s.image?.repository, 'asia-east1-docker.pkg.dev/gkeflow-demo/gkeflow/app');
  assert.equal(s.image?.tag, 'latest');
  assert.equal(s.deployment!.namespace, 'default');
  assert.equal(s.deployment!.replicas, 1);
  assert.deepEqual(s.deployment!.containers[0]?.ports, [{ containerPort: 8888, protocol: 'TCP' }]);
  assert.equal(s.service!.name, 'app');
  assert.equal(s.service!.type, 'LoadBalancer');
  assert.deepEqual(s.service!.ports, [{ port: 8888, targetPort: 8888, protocol: 'TCP' }]);
  assert.deepEqual(s.probe, { enabled: true, path: '/', expectStatus: 200, port: 8888 });
  assert.deepEqual(s.steps, []);
  assert.equal(s.ttl, '4h');
});

void test('autopilot clusters get no node pools', () => {
  const doc = baseDoc();
  doc.location = 'asia-east1';
  doc.cluster = { name: 'auto', mode: 'autopilot' };
  const r = checkSpec(doc);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.issues));
  assert.deepEqual(r.spec.cluster.nodePools, []);
});

void test('the result is deeply frozen', () => {
  const spec = parseSpec(JSON.stringify(baseDoc()), 'inline');
  assert.ok(
    Object.isFrozen(spec) && Object.isFrozen(spec.cluster.nodePools[0]) && Object.isFrozen(spec.deployment!.containers),
  );
  assert.throws(() => {
    (spec as { project: string }).project = 'x';
  }, TypeError);
});

void test('normalising is idempotent, so the workflow can re-validate its input', () => {
  const spec = loadSpecFile(path.join(examples, 'web-with-sidecar.yaml'));
  const input = toProvisionInput(spec);
  const again = checkSpec(input.spec);
  assert.ok(again.ok, JSON.stringify(!again.ok && again.issues));
  assert.deepEqual(again.spec, spec);
  assert.ok(!Object.isFrozen(input.spec), 'the workflow input is a plain copy');
});

void test('YAML syntax errors and duplicate keys are SpecValidationErrors naming the line', () => {
  const err = (() => {
    try {
      parseSpec('project: a\nproject: b\n', 'dup.yaml');
    } catch (e) {
      return e;
    }
  })();
  assert.ok(err instanceof SpecValidationError);
  assert.match(err.issues[0]?.path ?? '', /yaml line 2/);
  assert.match(err.message, /^dup\.yaml: 1 problem/);
});

void test('the error message lists every problem with its field path', () => {
  const doc = baseDoc();
  doc.cluster.nodePools[0].name = 'pool-';
  doc.ttl = 'soon';
  try {
    parseSpec(JSON.stringify(doc), 'spec.yaml');
    assert.fail('expected a SpecValidationError');
  } catch (e) {
    assert.ok(e instanceof SpecValidationError);
    assert.equal(e.issues.length, 2);
    assert.match(e.message, /cluster\.nodePools\[0\]\.name: must not end with a hyphen/);
    assert.match(e.message, /ttl: "soon" is not a duration/);
  }
});

void test('a missing file is reported, not thrown raw', () => {
  assert.throws(
    () => loadSpecFile('/nonexistent/spec.yaml'),
    (e: unknown) => e instanceof SpecValidationError && e.issues[0]?.path === '(file)',
  );
});
