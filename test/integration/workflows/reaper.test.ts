/**
 * The reaper through the real stack: the real Temporal server, the real workflows and activities,
 * and the GKE emulator without control planes (only cluster metadata matters here).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { formatEnvId } from '../../../src/contract/environment-id';
import { SKIP_REASONS } from '../../../src/workflows/reaper/plan';
import type { ReaperInput, ReapReport } from '../../../src/workflows/reaper';
import {
  REAPER_TUNING,
  TEST_OWNER,
  startReaperCloud,
  withReaperWorker,
  ZONE,
  type ReaperCloud,
} from '../../helpers/reaper';
import { eventually, FAST, startEnv, stubActivities, testInput, workflowBundle } from '../../helpers/workflows';

const HOUR = 3_600_000;
let n = 0;
/** A project of its own per test, so the reaper sees only that test's clusters. */
const project = () => `reap-${process.pid % 10000}-${n++}`;

function reap(client: Client, taskQueue: string, input: ReaperInput, id = `reap-${Date.now()}-${Math.random()}`) {
  return client.workflow.execute<(i: ReaperInput) => Promise<ReapReport>>('reaperWorkflow', {
    workflowId: id,
    taskQueue,
    args: [{ tuning: REAPER_TUNING, owner: TEST_OWNER, ...input }],
  });
}

/** Starts an environment workflow that stays open (no worker polls its queue). */
async function openEnvironment(
  client: Client,
  p: string,
  cluster: string,
  taskQueue = `nobody-polls-${cluster}`,
): Promise<() => Promise<void>> {
  const input = testInput((d) => {
    d.project = p;
    d.location = ZONE;
    d.image = { source: 'builtin:demo', repository: `asia-docker.pkg.dev/${p}/repo/app`, tag: 'v1' };
    (d.cluster as { name: string }).name = cluster;
  });
  const h = await startEnv(client, taskQueue, input);
  return async () => {
    await h.terminate('test over');
  };
}

void describe('reaperWorkflow', { timeout: 240_000 }, () => {
  let cloud: ReaperCloud;
  let bundle: WorkflowBundleWithSourceMap;
  before(async () => {
    cloud = await startReaperCloud();
    bundle = await workflowBundle();
  });

  after(async () => {
    await cloud?.stop();
  });

  /** The stub's activities with the reaper's listing, its checks and deleteCluster real (against the emulator), and `also`. */
  const withRealReaper = (stub: ReturnType<typeof stubActivities>, also: 'environmentResources' | 'endEnvironment') => {
    const real = [
      'listClusters',
      'listClusterTable',
      'knownProjects',
      'openEnvironments',
      also,
      'deleteCluster',
    ] as const;
    return { ...stub.activities, ...Object.fromEntries(real.map((k) => [k, cloud.activities[k]])) };
  };

  void it('deletes expired and orphaned clusters; never protected, foreign or unexpired-with-workflow ones', async () => {
    const p = project();
    await cloud.create({ project: p, name: 'expired', expiresInMs: -HOUR });
    await cloud.create({ project: p, name: 'orphaned', expiresInMs: HOUR });
    await cloud.create({ project: p, name: 'protected', expiresInMs: -HOUR, protect: true });
    await cloud.create({ project: p, name: 'foreign', managed: false, expiresInMs: -HOUR });
    await cloud.create({ project: p, name: 'live', expiresInMs: HOUR });
    await withReaperWorker(bundle, cloud.activities, async ({ client, taskQueue }) => {
      const close = await openEnvironment(client, p, 'live');
      try {
        // Default grace (30 min): the fresh orphan is left alone, with that reason.
        const young = await reap(client, taskQueue, { projects: [p] });
        assert.deepEqual(
          young.deleted.map((e) => e.cluster),
          ['expired'],
        );
        const why = Object.fromEntries(young.skipped.map((e) => [e.cluster, e.reason]));
        assert.deepEqual(why, {
          orphaned: SKIP_REASONS.grace,
          protected: SKIP_REASONS.protected,
          foreign: SKIP_REASONS.foreign,
          live: SKIP_REASONS.live,
        });
        const r = await reap(client, taskQueue, { projects: [p], orphanGraceMs: 0 });
        assert.deepEqual(r.deleted, [
          {
            envId: formatEnvId({ project: p, location: ZONE, cluster: 'orphaned' }),
            project: p,
            location: ZONE,
            cluster: 'orphaned',
            reason: 'orphaned',
            via: 'teardown-workflow',
            workflowId: `gkeflow-teardown/${p}/${ZONE}/orphaned`,
          },
        ]);
        assert.deepEqual(r.failed, []);
        assert.deepEqual(await cloud.names(p), ['foreign', 'live', 'protected']);
        assert.equal(cloud.deletes.get(`projects/${p}/locations/${ZONE}/clusters/protected`), undefined);
      } finally {
        await close();
      }
    });
  });

  void it('without --project, reaps the projects of known environments plus the extra ones (GKEFLOW_PROJECTS)', async () => {
    const known = project();
    const extra = project();
    await cloud.create({ project: known, name: 'known-expired', expiresInMs: -HOUR });
    await cloud.create({ project: extra, name: 'extra-expired', expiresInMs: -HOUR });
    await withReaperWorker(bundle, cloud.activities, async ({ client, taskQueue }) => {
      // On the reaper's own queue: knownProjects counts only environments of its target (issue 17).
      const close = await openEnvironment(client, known, 'known-live', taskQueue);
      try {
        // The visibility list (GkeflowProject) lags a fresh start a little.
        const r = await eventually(
          () => reap(client, taskQueue, { extraProjects: [extra], dryRun: true }),
          (x) => x.projects.includes(known),
        );
        assert.ok(r.projects.includes(extra), r.projects.join(','));
        assert.deepEqual(
          r.planned
            .map((e) => e.cluster)
            .filter((c) => c.endsWith('-expired'))
            .sort(),
          ['extra-expired', 'known-expired'],
        );
      } finally {
        await close();
      }
    });
  });

  void it('--dry-run deletes nothing and lists what it would', async () => {
    const p = project();
    await cloud.create({ project: p, name: 'expired', expiresInMs: -HOUR });
    await cloud.create({ project: p, name: 'orphaned' });
    await cloud.create({ project: p, name: 'foreign', managed: false });
    await withReaperWorker(bundle, cloud.activities, async ({ client, taskQueue }) => {
      const r = await reap(client, taskQueue, { projects: [p], orphanGraceMs: 0, dryRun: true });
      assert.deepEqual(r.planned.map((e) => `${e.cluster}:${e.reason}`).sort(), [
        'expired:expired',
        'orphaned:orphaned',
      ]);
      assert.deepEqual(r.deleted, []);
      assert.deepEqual(await cloud.names(p), ['expired', 'foreign', 'orphaned']);
      assert.equal([...cloud.deletes.keys()].filter((k) => k.includes(`/${p}/`)).length, 0);
    });
  });

  void it('two reapers started at once issue exactly one DeleteCluster per cluster', async () => {
    const p = project();
    const names = Array.from({ length: 8 }, (_, i) => `twice-${i}`);
    for (const name of names) await cloud.create({ project: p, name, expiresInMs: -HOUR });
    await withReaperWorker(bundle, cloud.activities, async ({ client, taskQueue }) => {
      const [a, b] = await Promise.all([
        reap(client, taskQueue, { projects: [p], parallelism: 3 }),
        reap(client, taskQueue, { projects: [p], parallelism: 3 }),
      ]);
      assert.deepEqual(await cloud.names(p), []);
      for (const name of names)
        assert.equal(cloud.deletes.get(`projects/${p}/locations/${ZONE}/clusters/${name}`), 1, name);
      // Between them every cluster was deleted once; the other reaper skipped it or found it gone.
      const deleted = [...a.deleted, ...b.deleted].map((e) => e.cluster);
      assert.ok(deleted.length >= names.length, `deleted ${deleted.join(',')}`);
      assert.deepEqual([...a.failed, ...b.failed], []);
    });
  });

  void it('tears an orphan down like its last run: Service and Deployment before the cluster, then the image tag and its repository', async () => {
    const p = project();
    const stub = stubActivities();
    const activities = withRealReaper(stub, 'environmentResources');
    await cloud.create({ project: p, name: 'was-live', expiresInMs: HOUR });
    await withReaperWorker(bundle, activities, async ({ client, taskQueue }) => {
      const input = testInput((d) => {
        d.project = p;
        d.location = ZONE;
        d.image = {
          source: 'builtin:demo',
          repository: `asia-docker.pkg.dev/${p}/repo/app`,
          tag: 'v1',
          deleteOnTeardown: true,
        };
        (d.cluster as { name: string }).name = 'was-live';
        d.steps = [];
      });
      const env = await startEnv(client, `nobody-polls-${p}`, input);
      await env.terminate('its workflow is gone; the cluster stays');
      const r = await reap(client, taskQueue, { projects: [p], orphanGraceMs: 0 });
      assert.deepEqual(
        r.deleted.map((e) => [e.cluster, e.reason]),
        [['was-live', 'orphaned']],
      );
      const deletes = stub.calls.filter((c) => c.startsWith('delete'));
      // The repository goes after the tag (deleteRepository keeps it unless gkeflow created it for this environment and it is empty).
      assert.deepEqual(deletes, ['deleteService', 'deleteDeployment', 'deleteImageTag', 'deleteRepository']);
      assert.deepEqual(
        (stub.inputs.deleteService?.[0] as { name: string; namespace: string }).name,
        input.spec.service!.name,
      );
      assert.deepEqual(await cloud.names(p), []);
    });
  });

  void it('tears down the tag of an orphan whose run deleted its image on teardown through its tuning, then the repository gkeflow created', async () => {
    const p = project();
    const stub = stubActivities();
    const activities = withRealReaper(stub, 'environmentResources');
    await cloud.create({ project: p, name: 'tuned', expiresInMs: HOUR });
    await withReaperWorker(bundle, activities, async ({ client, taskQueue }) => {
      const input = testInput(
        (d) => {
          d.project = p;
          d.location = ZONE;
          d.image = { source: 'builtin:demo', repository: `asia-docker.pkg.dev/${p}/repo/app`, tag: 'v1' };
          (d.cluster as { name: string }).name = 'tuned';
          d.steps = [];
        },
        { ...FAST, deleteImageOnTeardown: true },
      );
      const env = await startEnv(client, `nobody-polls-${p}`, input);
      await env.terminate('its workflow is gone; the cluster stays');
      const r = await reap(client, taskQueue, { projects: [p], orphanGraceMs: 0 });
      assert.deepEqual(
        r.deleted.map((e) => [e.cluster, e.reason]),
        [['tuned', 'orphaned']],
      );
      const deletes = stub.calls.filter((c) => c.startsWith('delete'));
      assert.deepEqual(deletes, ['deleteService', 'deleteDeployment', 'deleteImageTag', 'deleteRepository']);
      assert.deepEqual(stub.inputs.deleteImageTag?.[0], {
        env: {
          id: formatEnvId({ project: p, location: ZONE, cluster: 'tuned' }),
          project: p,
          location: ZONE,
          cluster: 'tuned',
        },
        repository: `asia-docker.pkg.dev/${p}/repo/app`,
        tag: 'v1',
      });
      assert.equal(
        (stub.inputs.deleteRepository?.[0] as { name: string }).name,
        `projects/${p}/locations/asia/repositories/repo`,
      );
    });
  });

  void it('ends an expired live environment through its own workflow with reason "expired"', async () => {
    const p = project();
    // The environment workflow runs with stubbed provisioning; the cluster it owns exists in the
    // emulator and is deleted by the real deleteCluster of its own teardown.
    const stub = stubActivities();
    const activities = withRealReaper(stub, 'endEnvironment');
    // Its run's own expiry passes while its last provisioning step hangs (a TTL timer would end
    // an environment that got to keepAlive itself): expired in its label and in its run.
    activities.probeEndpoint = async () => {
      for (;;) {
        Context.current().heartbeat();
        await Context.current().sleep(100);
      }
    };
    await cloud.create({ project: p, name: 'live-expired', expiresInMs: -HOUR });
    await withReaperWorker(bundle, activities, async ({ client, taskQueue }) => {
      const input = testInput(
        (d) => {
          d.project = p;
          d.location = ZONE;
          d.ttl = '1s';
          d.image = { source: 'builtin:demo', repository: `asia-docker.pkg.dev/${p}/repo/app`, tag: 'v1' };
          (d.cluster as { name: string }).name = 'live-expired';
          d.steps = [];
        },
        // The hanging probe must outlast the reap: with FAST's 5 s it timed out first on a loaded
        // machine and the run ended as a failed provisioning instead of 'expired'.
        { ...FAST, shortTimeout: '60s' },
      );
      const env = await startEnv(client, taskQueue, input);
      for (let i = 0; i < 200 && !stub.calls.includes('probeEndpoint'); i++)
        await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 1100));
      const r = await reap(client, taskQueue, { projects: [p] });
      assert.deepEqual(
        r.deleted.map((e) => [e.cluster, e.reason, e.via]),
        [['live-expired', 'expired', 'environment-workflow']],
      );
      const result = (await env.result()) as { reason: string; cleaned: string[] };
      assert.equal(result.reason, 'expired');
      assert.ok(result.cleaned.includes('cluster'));
      assert.deepEqual(await cloud.names(p), []);
      assert.equal(cloud.deletes.get(`projects/${p}/locations/${ZONE}/clusters/live-expired`), 1);
    });
  });

  void it('issue 17: a stale expired label on a live environment whose own expiry is in the future ends nothing', async () => {
    const p = project();
    const stub = stubActivities();
    const activities = withRealReaper(stub, 'endEnvironment');
    // An adopted cluster kept a terminated run's expiry (or was read before an extend): the
    // reaper asks for `expired`, and the environment's workflow refuses while its own TTL (4h) runs.
    await cloud.create({ project: p, name: 'stale-label', expiresInMs: -HOUR });
    await withReaperWorker(bundle, activities, async ({ client, taskQueue }) => {
      const input = testInput((d) => {
        d.project = p;
        d.location = ZONE;
        d.image = { source: 'builtin:demo', repository: `asia-docker.pkg.dev/${p}/repo/app`, tag: 'v1' };
        (d.cluster as { name: string }).name = 'stale-label';
        d.steps = [];
      });
      const env = await startEnv(client, taskQueue, input);
      try {
        for (let i = 0; i < 200 && !stub.succeeded.includes('probeEndpoint'); i++)
          await new Promise((r) => setTimeout(r, 50));
        const r = await reap(client, taskQueue, { projects: [p] });
        assert.deepEqual(r.deleted, []);
        assert.deepEqual(
          r.failed.map((e) => e.cluster),
          ['stale-label'],
        );
        assert.match(r.failed[0]!.cause, /refusing a teardown for reason 'expired'/);
        assert.deepEqual(await cloud.names(p), ['stale-label']);
        assert.equal((await env.describe()).status.name, 'RUNNING');
      } finally {
        await env.terminate('test over');
      }
    });
  });
});
