import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parseImageSource, parseSpec } from '../../../src/envspec';

void test('docker-archive:<path> is a source; its relative path is the spec file’s, and an empty one names the field', () => {
  assert.deepEqual(parseImageSource('docker-archive:app.tar'), { kind: 'docker-archive', path: 'app.tar' });
  assert.match(String(parseImageSource('docker-archive:')), /docker-archive: needs a path/);
  const spec = parseSpec(
    [
      'apiVersion: gkeflow/v1',
      'kind: Environment',
      'project: my-project',
      'location: us-central1-a',
      'cluster: { name: saved }',
      'image: { source: "docker-archive:build/app.tar" }',
      'deployment: { name: web, containers: [{ name: web, image: $image, ports: [8080] }] }',
      'service: { ports: [{ port: 80, targetPort: 8080 }] }',
    ].join('\n'),
    'spec.yaml',
    '/work/specs',
  );
  assert.equal(spec.image?.source, `docker-archive:${path.resolve('/work/specs', 'build/app.tar')}`);
});
