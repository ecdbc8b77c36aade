import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rolloutDone } from '../../../src/activities/kube';
import { deploymentManifest } from '../../../src/activities/kube-manifests';
import { envHash } from '../../../src/contract/labels';

const ref = { namespace: 'default', name: 'rc-node' };

void describe('rollout state', () => {
  void it('is complete only when the observed generation is current and every replica is updated, ready and available', () => {
    const d = (status: object, generation = 2) => ({ metadata: { generation }, status });
    assert.equal(
      rolloutDone(
        d({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }),
        2,
        ref,
      ),
      undefined,
    );
    assert.equal(
      rolloutDone(
        d({ observedGeneration: 2, replicas: 3, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }),
        2,
        ref,
      ),
      undefined,
    );
    assert.deepEqual(
      rolloutDone(
        d({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }),
        2,
        ref,
      ),
      { readyReplicas: 2 },
    );
    assert.deepEqual(rolloutDone(d({ observedGeneration: 2 }), 0, ref), { readyReplicas: 0 });
  });
  void it('fails non-retryably on ProgressDeadlineExceeded and when the Deployment is gone', () => {
    const stuck = {
      metadata: { generation: 1 },
      status: {
        observedGeneration: 1,
        conditions: [
          { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'timed out' },
        ],
      },
    };
    assert.throws(() => rolloutDone(stuck, 2, ref), { name: 'RolloutFailedError' });
    assert.throws(() => rolloutDone(undefined, 2, ref), { name: 'ResourceNotFoundError' });
  });
  void it('labels the Deployment and its pods with the environment, pinning to a node pool when asked', () => {
    const env = { id: 'gkeflow/p/l/c', project: 'p', location: 'l', cluster: 'c' };
    const m = deploymentManifest({
      env,
      namespace: 'default',
      name: 'x',
      replicas: 1,
      selector: { app: 'x' },
      labels: { 'managed-by': 'someone-else' },
      nodePool: 'pool-b',
      containers: [{ name: 'a', image: 'i@sha256:0', ports: [{ containerPort: 80 }] }],
    });
    assert.equal(m.metadata?.labels?.['managed-by'], 'gkeflow', 'activities set managed-by themselves');
    assert.equal(m.spec?.template.metadata?.labels?.['gkeflow-env'], envHash(env.id));
    assert.equal(m.spec?.template.metadata?.labels?.app, 'x');
    assert.deepEqual(m.spec?.template.spec?.nodeSelector, { 'cloud.google.com/gke-nodepool': 'pool-b' });
  });
});
