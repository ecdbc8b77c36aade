// Issue 17: the reaper pointed at a project others use too, against the real local stack.
// - Two installations on one project: two Temporal namespaces on one dev server, each with its own
//   worker and client, one emulator and project; each reaps with grace 0 while both have a live
//   environment. Neither loses its cluster (the other's is `otherOwner`, never judged).
// - Protect set between the list and the act: an orphan judged "delete", labelled
//   gkeflow-protect while its teardown's re-check waits on GetCluster: nothing of it is deleted.
// - Extend in the last second of a TTL: the relabel outlasts the TTL; the extend must not report
//   success while the environment is torn down (it fails with EnvironmentClosingError).
// Each case ends with the inventory check.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { v1 } from '@google-cloud/container';
import { grpc } from 'google-gax';
import { ChaosStack, waitFor } from '../helpers/chaos-stack';
import { installationOwner } from '../../src/config/installation';
import { taskQueueFor } from '../../src/config/endpoints';
import { runReaperNow } from '../../src/temporal/schedules';
import { startEnvironment } from '../../src/temporal/environments';
import { SKIP_REASONS } from '../../src/workflows/reaper/plan';
import { REFUSED_PREFIX } from '../../src/workflows/reaper';
import { formatTeardownId } from '../../src/contract/environment-id';
import { LABELS } from '../../src/contract/labels';
import { extendUpdate, statusQuery, teardownUpdate } from '../../src/contract/messages';
import type { TemporalConfig } from '../../src/temporal/connection';
import type { Inventory } from '../helpers/inventory';
import {
  chaosCase,
  chaosSpec,
  describeInventory,
  EMPTY,
  EMULATOR_ENV,
  expectedRunning,
  FULL_ONLY,
  inventory,
  LOCATION,
  PROJECT,
  startRun,
  sweep,
  teardownAndCheck,
  TUNING,
  waitForSteps,
  waitProvisioned,
} from './scenario';

process.env.GKEFLOW_INSTALLATION ??= 'gkeflow-chaos';

/** The second installation's namespace on the same dev server. */
const OTHER_NS = 'gkeflow-other';

let stack: ChaosStack;
before(async () => {
  stack = await ChaosStack.start({ emulatorEnv: EMULATOR_ENV, namespaces: [OTHER_NS] });
  await stack.startWorker();
  await stack.startWorker({}, OTHER_NS);
});
after(async () => {
  await stack?.stop();
});

const chaos = (name: string, body: () => Promise<string>) => chaosCase(stack, 'reaper-shared', name, body);

/** One installation: its namespace's client and what its CLI would read. */
interface Installation {
  client: Client;
  cfg: TemporalConfig;
}
const reap = async (i: Installation) =>
  (await runReaperNow(i.client, taskQueueFor('local', i.cfg), { projects: [PROJECT], orphanGraceMs: 0 })).report;
const clusterVerdicts = (r: Awaited<ReturnType<typeof reap>>) =>
  r.skipped
    .filter((e) => !e.repository)
    .map((e) => [e.cluster, e.reason])
    .sort();

/** Both environments' inventories in one (the shared repository once, both tags). */
function bothRunning(a: string, b: string): Inventory {
  const [x, y] = [expectedRunning(a), expectedRunning(b)];
  return {
    clusters: [...x.clusters, ...y.clusters].sort((p, q) => p.name.localeCompare(q.name)),
    kube: { ...x.kube, ...y.kube },
    repositories: x.repositories,
    tags: [...x.tags, ...y.tags].sort(),
    leaks: [],
  };
}

void test('two installations (two Temporal namespaces) on one project, each reaping with grace 0: neither loses a live cluster', async () => {
  await chaos('two installations on one project, grace 0', async () => {
    const one: Installation = { client: stack.client, cfg: stack.temporalConfig };
    const two: Installation = { client: stack.clientFor(OTHER_NS), cfg: stack.temporalConfigFor(OTHER_NS) };
    assert.notEqual(installationOwner(one.client.options.namespace), installationOwner(OTHER_NS));
    const start = async (i: Installation, cluster: string) => {
      const s = await startEnvironment(i.client, i.cfg, chaosSpec(cluster), TUNING);
      return i.client.workflow.getHandle(s.envId);
    };
    // The first creates the shared Artifact Registry repository (its push is step 1), then the second starts.
    const a = await start(one, 'shared-one');
    await waitForSteps(a, 1);
    const b = await start(two, 'shared-two');
    await Promise.all([waitProvisioned(a), waitProvisioned(b)]);
    const before = await inventory(stack);
    assert.deepEqual(before, bothRunning('shared-one', 'shared-two'));

    const [r1, r2] = await Promise.all([reap(one), reap(two)]);
    assert.equal(r1.owner, installationOwner(one.client.options.namespace));
    assert.equal(r2.owner, installationOwner(OTHER_NS));
    for (const r of [r1, r2]) {
      assert.deepEqual(r.deleted, []);
      assert.deepEqual(r.failed, []);
    }
    assert.deepEqual(clusterVerdicts(r1), [
      ['shared-one', SKIP_REASONS.live],
      ['shared-two', SKIP_REASONS.otherOwner],
    ]);
    assert.deepEqual(clusterVerdicts(r2), [
      ['shared-one', SKIP_REASONS.otherOwner],
      ['shared-two', SKIP_REASONS.live],
    ]);
    const after = await inventory(stack);
    assert.deepEqual(after, before, 'both reapers left everything');
    assert.equal((await a.describe()).status.name, 'RUNNING');
    assert.equal((await b.describe()).status.name, 'RUNNING');
    // The second goes first: the first created the shared repository and deletes it once empty.
    const res = await b.executeUpdate(teardownUpdate, { args: [{ reason: 'chaos case done' }] });
    assert.deepEqual(res.leftovers, []);
    await b.result();
    await teardownAndCheck(stack, a);
    return `${describeInventory(after)} kept by both installations' reapers → each torn down by its own run: nothing`;
  });
});

function gke(): v1.ClusterManagerClient {
  const [host, port] = stack.emulatorAddress.split(':');
  return new v1.ClusterManagerClient({
    apiEndpoint: host,
    port: Number(port),
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: 'googleapis.com',
    projectId: 'chaos',
  });
}

// The quick set (CI) runs the two-installations case of this file; the full set all three.
void test('protect set between the list and the act: the orphan is re-checked and left whole', FULL_ONLY, async () => {
  await chaos('protect set between list and act', async () => {
    const cluster = 'protect-late';
    const handle = await startRun(stack, cluster);
    await waitProvisioned(handle);
    await handle.terminate('chaos: leave an orphan for the reaper');
    const c = gke();
    try {
      // The teardown's re-check (checkTeardown's fresh GetCluster) fails until the label is set,
      // so the protect lands after the reaper listed and judged the cluster "delete".
      await stack.setFaults([{ rpc: 'GetCluster', code: 'UNAVAILABLE', message: 'injected: hold the re-check' }]);
      const reaping = reap({ client: stack.client, cfg: stack.temporalConfig });
      const teardown = stack.client.workflow.getHandle(
        formatTeardownId({ project: PROJECT, location: LOCATION, cluster }),
      );
      await waitFor(
        'the teardown re-check has failed on GetCluster at least once',
        async () =>
          ((await teardown.describe()).raw.pendingActivities ?? []).some(
            (p) => p.activityType?.name === 'checkTeardown' && (p.attempt ?? 0) >= 2,
          ),
        180_000,
        200,
      );
      // `gcloud container clusters update --update-labels gkeflow-protect=true` (ListClusters gives the fingerprint).
      const [list] = await c.listClusters({ parent: `projects/${PROJECT}/locations/-` });
      const cur = (list.clusters ?? []).find((x) => x.name === cluster);
      assert.ok(cur, 'the orphan is listed');
      await c.setLabels({
        name: `projects/${PROJECT}/locations/${LOCATION}/clusters/${cluster}`,
        resourceLabels: { ...(cur.resourceLabels ?? {}), [LABELS.protect]: 'true' },
        labelFingerprint: cur.labelFingerprint ?? '',
      });
      await stack.setFaults([]);
      const r = await reaping;
      assert.deepEqual(r.deleted, []);
      assert.deepEqual(r.failed, []);
      const why = Object.fromEntries(r.skipped.filter((e) => !e.repository).map((e) => [e.cluster, e.reason]));
      assert.match(why[cluster] ?? '', new RegExp(`^${REFUSED_PREFIX}.*gkeflow-protect`));
      const inv = await inventory(stack);
      assert.deepEqual(inv, expectedRunning(cluster), 'nothing of the protected orphan was deleted');
      return `${describeInventory(inv)} protected after the list → reaper: re-checked, left whole`;
    } finally {
      await stack.setFaults([]);
      await c.close();
      await sweep(stack);
      // The sweep deletes the protected cluster raw, Service and all: that load balancer "leak" is the sweep's, not the reaper's.
      await stack.admin('/leaks', 'DELETE');
      assert.deepEqual(await inventory(stack), EMPTY);
    }
  });
});

void test(
  'extend in the last second of a TTL: never success while the environment is torn down',
  FULL_ONLY,
  async () => {
    await chaos('extend in the last second of a TTL', async () => {
      const cluster = 'extend-last-second';
      const handle = await startRun(stack, cluster);
      await waitProvisioned(handle);
      assert.deepEqual(await inventory(stack), expectedRunning(cluster));
      // A short TTL from now (an extend far from its expiry: it succeeds), then an extend one second before it ends.
      await handle.executeUpdate(extendUpdate, { args: [{ ttl: '20s' }] });
      const { expiresAtMs } = await handle.query(statusQuery);
      try {
        await new Promise((r) => setTimeout(r, Math.max(0, expiresAtMs - Date.now() - 1000)));
        // The relabel (SetLabels) fails a few times first, so it is still running when the TTL fires.
        await stack.setFaults([{ rpc: 'SetLabels', code: 'UNAVAILABLE', count: 5, message: 'injected: slow relabel' }]);
        const outcome = await handle.executeUpdate(extendUpdate, { args: [{ ttl: '2h' }] }).then(
          (ok) => ({ ok }),
          (e: unknown) => ({ err: e }),
        );
        await stack.setFaults([]);
        const result = (await handle.result()) as { reason: string; leftovers: unknown[] };
        assert.ok(
          !('ok' in outcome),
          `the extend reported success (${JSON.stringify(outcome)}) while the TTL ended the run`,
        );
        const err = outcome.err;
        assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
        assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
        // Overtaken inside the handler (EnvironmentClosingError), or, on a slow machine, refused by
        // the validator because the TTL fired before the extend arrived: either way not extended.
        const how =
          err.cause.type === 'EnvironmentClosingError' ? 'EnvironmentClosingError' : `refused: ${err.cause.message}`;
        if (err.cause.type !== 'EnvironmentClosingError')
          assert.match(err.cause.message, /being torn down \(ttl expired\)/);
        assert.equal(result.reason, 'ttl expired');
        assert.deepEqual(result.leftovers, []);
        assert.deepEqual(await inventory(stack), EMPTY);
        return `${describeInventory(expectedRunning(cluster))} → extend 1 s before the TTL: ${how}, torn down by the TTL: nothing`;
      } finally {
        await stack.setFaults([]);
        await sweep(stack);
      }
    });
  },
);
