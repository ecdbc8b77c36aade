import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createGkeClient, type GkeClient } from '../../src/clients/gke';
import { envStatus, startEnvironment } from '../../src/temporal/environments';
import type { EnvironmentStatus } from '../../src/contract/workflow-input';
import { startLocalCloud, type LocalCloud } from '../helpers/local-cloud';
import { E2E_TUNING, exampleSpec, statusUntil as statusUntilIn } from '../helpers/walkthrough';

// Drift, through the real local cloud: the environment's resources are changed behind
// gkeflow's back through the GKE API, and its own drift check notices.
const CHECK_MS = 1500;
let cloud: LocalCloud;
let gke: GkeClient;
const tuning = { ...E2E_TUNING, healthCheckInterval: CHECK_MS };

before(async () => {
  cloud = await startLocalCloud(() => undefined);
  gke = createGkeClient({
    target: 'local',
    emulatorAddress: cloud.emulator.address,
    registryAddress: cloud.registry.address,
  });
});
after(async () => {
  await gke?.close();
  await cloud?.stop();
});

const spec = (cluster: string) => exampleSpec(cluster, (doc) => (doc.steps = []));

const statusUntil = (envId: string, pred: (s: EnvironmentStatus) => boolean, timeoutMs?: number) =>
  statusUntilIn(cloud.client, envId, pred, timeoutMs);

void test('a pool resized and a cluster deleted behind its back: degraded, running again, then lost', async () => {
  const s = spec('drift-e2e');
  const started = await startEnvironment(cloud.client, cloud.cfg, s, tuning);
  const envId = started.envId;
  const name = `projects/${s.project}/locations/${s.location}/clusters/${s.cluster.name}`;
  const pool = s.cluster.nodePools[0]!;

  // A healthy environment checks healthy.
  const first = await statusUntil(
    envId,
    (st) => st.phase === 'running' && (st.checkedAt !== undefined || st.watchedBy !== undefined),
    180_000,
  );
  assert.equal(first.drift, undefined);

  await gke.setNodePoolSize(`${name}/nodePools/${pool.name}`, pool.nodeCount + 1);
  const degraded = await statusUntil(envId, (st) => st.phase === 'degraded' && /resized outside/.test(st.drift ?? ''));
  assert.match(
    degraded.drift ?? '',
    new RegExp(`node pool ${pool.name} has ${pool.nodeCount + 1} nodes, expected ${pool.nodeCount}`),
  );
  await gke.setNodePoolSize(`${name}/nodePools/${pool.name}`, pool.nodeCount);
  await statusUntil(envId, (st) => st.phase === 'running' && st.drift === undefined);

  await gke.deleteCluster(name);
  const phases = new Set<string>();
  const handle = cloud.client.workflow.getHandle(envId);
  let goneAt = 0;
  const ended = handle.result().then(
    () => assert.fail('a lost environment fails its run'),
    (e: unknown) => e,
  );
  for (;;) {
    const st = await envStatus(cloud.client, envId).catch(() => undefined);
    if (!st?.status) break;
    phases.add(st.status.phase);
    if (!goneAt) {
      const { clusters } = await cloud.admin<{ clusters: unknown[] }>('/clusters');
      if (clusters.length === 0) goneAt = Date.now();
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  const err = await ended;
  const endedAt = Date.now();
  assert.ok(phases.has('degraded'), `reported degraded first (saw ${[...phases].join(', ')})`);
  assert.ok(err instanceof WorkflowFailedError);
  assert.ok(err.cause instanceof ApplicationFailure);
  assert.equal(err.cause.type, 'EnvironmentLostError');
  assert.ok(goneAt > 0, 'the emulator deleted the cluster');
  // Two checks confirm it; allow one more interval of slack for cleanup and polling.
  assert.ok(endedAt - goneAt <= 3 * CHECK_MS + 3000, `lost within two check intervals (${endedAt - goneAt} ms)`);
});
