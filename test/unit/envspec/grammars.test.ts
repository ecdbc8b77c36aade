import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseArtifactRepository,
  parseDuration,
  parseImageReference,
  parseImageSource,
  parseQuantity,
} from '../../../src/envspec';

void test('parses image references by the distribution grammar', () => {
  assert.deepEqual(parseImageReference('nginx'), { name: 'nginx', tag: undefined, digest: undefined });
  assert.deepEqual(parseImageReference('127.0.0.1:5000/a/b:v1'), {
    name: '127.0.0.1:5000/a/b',
    tag: 'v1',
    digest: undefined,
  });
  const d = `sha256:${'a'.repeat(64)}`;
  assert.deepEqual(parseImageReference(`asia-docker.pkg.dev/p/r/i@${d}`), {
    name: 'asia-docker.pkg.dev/p/r/i',
    tag: undefined,
    digest: d,
  });
  for (const bad of ['', 'lower/Upper', 'a//b', 'a:', 'a@sha256:xyz', 'a_-b'])
    assert.equal(typeof parseImageReference(bad), 'string', bad);
});

void test('accepts Artifact Registry repositories and gcr.io names, rejects others', () => {
  assert.deepEqual(parseArtifactRepository('asia-docker.pkg.dev/gkeflow-demo/notebooks/tensorflow'), {
    host: 'asia-docker.pkg.dev',
    project: 'gkeflow-demo',
    repo: 'notebooks',
    image: 'tensorflow',
  });
  assert.equal(typeof parseArtifactRepository('gcr.io/gkeflow-demo/app'), 'object');
  for (const bad of [
    'docker.io/library/nginx',
    'mars-docker.pkg.dev/gkeflow-demo/r/i',
    'asia-docker.pkg.dev/gkeflow-demo/r',
    'asia-docker.pkg.dev/gkeflow-demo/r/i:v1',
  ]) {
    assert.equal(typeof parseArtifactRepository(bad), 'string', bad);
  }
});

void test('parses image sources', () => {
  assert.deepEqual(parseImageSource('builtin:demo'), { kind: 'builtin', name: 'demo' });
  assert.deepEqual(parseImageSource('builtin:demo?variant=v2'), { kind: 'builtin', name: 'demo', variant: 'v2' });
  // v1 is plain builtin:demo: the same activity input as before variants existed.
  assert.deepEqual(parseImageSource('builtin:demo?variant=v1'), { kind: 'builtin', name: 'demo' });
  for (const bad of ['builtin:demo?variant=v9', 'builtin:demo?v=2', 'builtin:demo?variant=v2?x', 'builtin:demo?'])
    assert.match(String(parseImageSource(bad)), /builtin:demo takes only \?variant=v1\|v2\|v3/, bad);
  assert.deepEqual(parseImageSource('oci-archive:./img.tar'), { kind: 'oci-archive', path: './img.tar' });
  assert.deepEqual(parseImageSource('oci:./layout:v2'), { kind: 'oci-layout', path: './layout', tag: 'v2' });
  assert.deepEqual(parseImageSource('docker://nginx:1.27'), { kind: 'registry', reference: 'nginx:1.27' });
  assert.deepEqual(parseImageSource('nginx:1.27'), { kind: 'registry', reference: 'nginx:1.27' });
  assert.equal(typeof parseImageSource('s3://bucket/img'), 'string');
});

void test('parses durations and quantities', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('2 h'), undefined);
  assert.equal(parseQuantity('500m'), 0.5);
  assert.equal(parseQuantity('128Mi'), 128 * 2 ** 20);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(parseQuantity('1.5Gb'), undefined);
});
