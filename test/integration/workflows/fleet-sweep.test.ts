// The fleet health sweep on the real Temporal dev server and the GKE emulator (metadata only: the
// cluster, its pools and ListClusters are the emulator's; the workload steps are stubbed, and the
// Kubernetes side is unreachable, as a control plane that does not answer would be).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { status as Code } from '@grpc/grpc-js';
import { temporal } from '@temporalio/proto';
import type { WorkflowHandle } from '@temporalio/client';
import { gkeActivities } from '../../../src/activities/gke';
import { healthActivities } from '../../../src/activities/health';
import { createGkeClient, type GkeClient } from '../../../src/clients/gke';
import { fleetQuery, formatHealthSweepId } from '../../../src/contract/fleet-health';
import type { RunningEmulator } from '../../../src/emulator';
import { statusQuery, teardownUpdate } from '../../../src/workflows';
import { emulator } from '../../helpers/emulator';
import { ownerFor } from '../../helpers/history-scenarios-fleet';
import { eventually, FAST, startEnv, stubActivities, testInput, withWorker } from '../../helpers/workflows';

const EventType = temporal.api.enums.v1.EventType;
const INTERVAL_MS = 400;

let emu: RunningEmulator;
let gke: GkeClient;
before(async () => {
  emu = await emulator();
  gke = createGkeClient({ target: 'local', emulatorAddress: emu.address, registryAddress: '127.0.0.1:1' });
});
after(async () => {
  await gke?.close();
  await emu?.stop();
});

/** Activities and timers in a run's history (what a healthy watched environment must not add). */
async function ownWork(h: WorkflowHandle): Promise<number> {
  const { events } = await h.fetchHistory();
  return (events ?? []).filter(
    (e) =>
      e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED ||
      e.eventType === EventType.EVENT_TYPE_TIMER_STARTED,
  ).length;
}

void test('a watched environment idles without timers or activities; drift made in the emulator reaches degraded through the sweep; a failing sweep never makes it lost', async () => {
  let sweepFails = false;
  // The real activities against the emulator; ListClusters fails while `sweepFails` (GKE unavailable),
  // and no control plane answers (every environment's Kubernetes side is unreachable).
  const failing: GkeClient = {
    ...gke,
    listClusters: (parent) =>
      sweepFails
        ? Promise.reject(Object.assign(new Error('14 UNAVAILABLE: GKE is down'), { code: Code.UNAVAILABLE }))
        : gke.listClusters(parent),
  };
  const noKube = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6443'));
  const real = gkeActivities({ gke, kubeFor: noKube, pollMs: 20 });
  const health = healthActivities({ gke: failing, kubeFor: noKube });
  const stub = stubActivities();
  Object.assign(stub.activities, {
    ensureCluster: real.ensureCluster,
    resizeNodePool: real.resizeNodePool,
    checkHealth: health.checkHealth,
    sweepHealth: health.sweepHealth,
  });
  const base = testInput(
    (d) => {
      d.steps = [];
      d.location = 'us-central1-a';
    },
    { ...FAST, healthCheckInterval: INTERVAL_MS },
  );
  await withWorker(stub, async ({ client, taskQueue }) => {
    // An owner of its own: the sweep is this test's, not one a test before it left on the dev server.
    const input = { ...base, owner: ownerFor(taskQueue) };
    const h = await startEnv(client, taskQueue, input);
    const watched = await eventually(
      () => h.query(statusQuery),
      (s) => s.phase === 'running' && s.watchedBy !== undefined,
      60_000,
    );
    const sweepId = formatHealthSweepId({ ...input.spec, owner: input.owner });
    assert.equal(watched.watchedBy, sweepId);
    const fleet = client.workflow.getHandle(sweepId);

    // Healthy: several sweeps go by, the environment's own history gains no timer and no activity.
    const first = await eventually(
      () => fleet.query(fleetQuery),
      (f) => f.sweeps >= 1,
      30_000,
    );
    const before = await ownWork(h);
    await eventually(
      () => fleet.query(fleetQuery),
      (f) => f.sweeps >= first.sweeps + 4,
      30_000,
    );
    assert.equal(await ownWork(h), before, 'a healthy watched environment spends no timer and no activity');
    assert.equal((await h.query(statusQuery)).checkedAt, undefined, 'no check of its own, so no checkedAt');

    // Drift made outside gkeflow: the pool resized through the emulator's GKE API.
    const pool = `projects/${input.spec.project}/locations/${input.spec.location}/clusters/${input.spec.cluster.name}/nodePools/default-pool`;
    await gke.setNodePoolSize(pool, 3);
    const degraded = await eventually(
      () => h.query(statusQuery),
      (s) => s.phase === 'degraded',
      60_000,
    );
    assert.match(degraded.drift ?? '', /node pool default-pool has 3 nodes, expected 2 \(resized outside gkeflow\)/);
    assert.ok(degraded.checkedAt, 'the environment confirmed with its own check');

    // GKE unavailable to the sweep (and no control plane answering all along): the failing sweeps
    // signal nobody; nothing the sweep cannot see moves the environment, least of all to lost.
    sweepFails = true;
    const failed = await eventually(
      () => fleet.query(fleetQuery),
      (f) => f.lastError !== undefined,
      30_000,
    );
    assert.match(failed.lastError ?? '', /UNAVAILABLE|GKE is down/);
    const work = await ownWork(h);
    await new Promise((r) => setTimeout(r, INTERVAL_MS * 5));
    const during = await h.query(statusQuery);
    assert.equal(during.phase, 'degraded', 'failing sweeps change nothing');
    assert.equal(await ownWork(h), work, 'failing sweeps wake nobody');

    // GKE answers again and the pool is back: the sweep sees it healed, the environment confirms.
    await gke.setNodePoolSize(pool, 2);
    sweepFails = false;
    const healed = await eventually(
      () => h.query(statusQuery),
      (s) => s.phase === 'running',
      60_000,
    );
    assert.equal(healed.drift, undefined);

    await h.executeUpdate(teardownUpdate, { args: [{}] });
    await h.result();
    const end = await eventually(
      () => fleet.query(fleetQuery),
      (f) => f.watching.length === 0,
      30_000,
    );
    assert.deepEqual(end.watching, [], 'teardown unwatched it');
    await fleet.terminate('test done');
  });
});
