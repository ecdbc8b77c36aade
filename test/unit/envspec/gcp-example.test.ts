import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadSpecFile } from '../../../src/envspec';
import { parseImageSource } from '../../../src/envspec/image-ref';

const file = path.join(__dirname, '..', '..', '..', 'examples', 'tensorflow-notebook.gcp.yaml');

void test('the real-GCP walkthrough validates: gcp target, a public notebook image by docker://, Artifact Registry destination', () => {
  const spec = loadSpecFile(file);
  assert.equal(spec.target, 'gcp');
  assert.equal(spec.location, 'asia-east1-a');
  assert.equal(spec.image?.source, 'docker://docker.io/tensorflow/tensorflow:2.17.0-jupyter');
  assert.equal(spec.image?.repository, 'asia-docker.pkg.dev/your-project-id/notebooks/tensorflow');
  assert.equal(spec.image?.deleteOnTeardown, true);
  assert.deepEqual(
    spec.cluster.nodePools.map((p) => [p.name, p.machineType, p.nodeCount]),
    [['default-pool', 'e2-standard-2', 2]],
  );
  assert.deepEqual(spec.steps, [{ scale: 3 }, { scale: 5 }, { resize: { pool: 'default-pool', nodeCount: 3 } }]);
  // Parsed only: nothing is pulled. The worker copies the image from Docker Hub as a registry source.
  assert.deepEqual(parseImageSource(spec.image?.source ?? ''), {
    kind: 'registry',
    reference: 'docker.io/tensorflow/tensorflow:2.17.0-jupyter',
  });
});
