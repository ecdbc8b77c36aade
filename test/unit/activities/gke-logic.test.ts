import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { clusterNameOf, createClusterRequestOf, gkeActivities } from '../../../src/activities/gke';
import { envHash } from '../../../src/contract/labels';
import type { EnsureClusterInput, EnsureClusterResult } from '../../../src/contract/cluster-io';
import type { EnvRef } from '../../../src/contract/environment-id';
import { FakeGke } from '../../helpers/fake-gke';

const env: EnvRef = {
  id: 'gkeflow/demo-project/asia-east1-a/c1',
  project: 'demo-project',
  location: 'asia-east1-a',
  cluster: 'c1',
};
const input: EnsureClusterInput = {
  env,
  labels: { 'gkeflow-expires-at': '1900000000' },
  nodePools: [{ name: 'default-pool', machineType: 'e2-small', nodeCount: 2 }],
};
const make = () => {
  const gke = new FakeGke();
  return { gke, acts: gkeActivities({ gke, pollMs: 1 }) };
};

void describe('GKE activity logic (in-memory fake; the emulator tests cover the real API)', () => {
  void it('asks for a labelled Standard cluster with auto-repair, or an Autopilot one without pools', () => {
    const c = createClusterRequestOf(input);
    assert.equal(c.resourceLabels?.['gkeflow-env'], envHash(env.id));
    assert.equal(c.resourceLabels?.['managed-by'], 'gkeflow');
    assert.equal(c.nodePools?.[0]?.management?.autoRepair, true);
    const ap = createClusterRequestOf({ ...input, mode: 'autopilot' });
    assert.equal(ap.autopilot?.enabled, true);
    assert.equal(ap.nodePools, undefined);
  });

  void it('creates once, then adopts: ensureCluster twice ⇒ one create call', async () => {
    const { gke, acts } = make();
    assert.deepEqual(await acts.ensureCluster(input), {
      created: true,
      status: 'RUNNING',
      endpoint: '10.0.0.1',
      nodeCount: 2,
      zones: 1,
    });
    assert.deepEqual(await acts.ensureCluster(input), {
      created: false,
      status: 'RUNNING',
      endpoint: '10.0.0.1',
      nodeCount: 2,
      zones: 1,
    });
    assert.equal(gke.calls.filter((c) => c === 'createCluster').length, 1);
  });

  void it('refuses a same-named cluster without our label (NameTakenError), and will not delete it', async () => {
    const { gke, acts } = make();
    gke.clusters.set(clusterNameOf(env), {
      name: 'c1',
      status: 'RUNNING' as never,
      resourceLabels: { 'gkeflow-env': 'someone-else' },
    });
    await assert.rejects(acts.ensureCluster(input), { name: 'NameTakenError' });
    await assert.rejects(acts.deleteCluster({ env }), { name: 'NameTakenError' });
  });

  void it('resumes waiting for the operation recorded in the last heartbeat instead of creating again', async () => {
    const { gke, acts } = make();
    const first = new MockActivityEnvironment();
    const beats: Array<{ operation?: string; step: string }> = [];
    first.on('heartbeat', (d: { operation?: string; step: string }) => beats.push(d));
    // Simulate an attempt that started the create and then died: take its first heartbeat.
    gke.polls = 1000;
    const dying = first.run(acts.ensureCluster, input);
    await new Promise((r) => setTimeout(r, 30));
    first.cancel();
    await assert.rejects(dying);
    const recorded = beats.find((b) => b.operation)!;
    assert.ok(recorded.operation?.startsWith('projects/demo-project/locations/asia-east1-a/operations/'));
    gke.polls = 1;
    for (const o of gke.ops.values()) o.pollsLeft = 1;
    const retry = new MockActivityEnvironment({ heartbeatDetails: recorded });
    const res = (await retry.run(acts.ensureCluster, input)) as EnsureClusterResult;
    assert.equal(res.created, true);
    assert.equal(res.status, 'RUNNING');
    assert.equal(gke.calls.filter((c) => c === 'createCluster').length, 1, 'no second create');
  });

  void it('adopts after a create that raced with an earlier attempt (ALREADY_EXISTS)', async () => {
    const { gke, acts } = make();
    await acts.ensureCluster(input);
    gke.failNext.set('getCluster', Object.assign(new Error('not found'), { code: 5 }));
    const res = await acts.ensureCluster(input);
    assert.equal(res.created, false);
  });

  void it('maps an operation that finished with a quota error to QuotaExceededError', async () => {
    const { gke, acts } = make();
    const orig = gke.createCluster.bind(gke);
    gke.createCluster = async (parent, cluster) => {
      const op = await orig(parent, cluster);
      gke.ops.get(`${parent}/operations/${op.name}`)!.op.error = {
        code: 8,
        message: 'Insufficient regional quota: CPUS',
      };
      return op;
    };
    await assert.rejects(acts.ensureCluster(input), { name: 'QuotaExceededError' });
  });

  void it('resizes through an operation; a busy cluster is IncompatibleOperationError (retryable)', async () => {
    const { gke, acts } = make();
    await acts.ensureCluster(input);
    await acts.resizeNodePool({ env, pool: 'default-pool', nodeCount: 3 });
    assert.equal(gke.clusters.get(clusterNameOf(env))!.nodePools![0]!.initialNodeCount, 3);
    gke.failNext.set('setNodePoolSize', Object.assign(new Error('incompatible operation'), { code: 9 }));
    await assert.rejects(
      acts.resizeNodePool({ env, pool: 'default-pool', nodeCount: 3 }),
      (e: Error & { nonRetryable?: boolean }) => e.name === 'IncompatibleOperationError' && e.nonRetryable === false,
    );
    await assert.rejects(acts.resizeNodePool({ env, pool: 'nope', nodeCount: 3 }), { name: 'ResourceNotFoundError' });
  });

  void it('deletes once; a second delete and a missing cluster succeed with deleted:false', async () => {
    const { acts } = make();
    await acts.ensureCluster(input);
    assert.deepEqual(await acts.deleteCluster({ env }), { deleted: true });
    assert.deepEqual(await acts.deleteCluster({ env }), { deleted: false });
  });
});
