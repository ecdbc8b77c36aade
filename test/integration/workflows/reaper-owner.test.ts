/**
 * Issue 17: a reaper judges only what its installation owns, and re-checks its verdict right
 * before each delete. The real Temporal server, workflows and activities; the GKE emulator
 * without control planes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { envRef } from '../../../src/contract/environment-id';
import { expiresAtLabel, LABELS } from '../../../src/contract/labels';
import { SKIP_REASONS } from '../../../src/workflows/reaper/plan';
import { CLUSTER_SCAN, REFUSED_PREFIX, type ReaperInput, type ReapReport } from '../../../src/workflows/reaper';
import { MockActivityEnvironment } from '@temporalio/testing';
import { reaperActivities } from '../../../src/activities/reaper';
import { ENVIRONMENT_WORKFLOW } from '../../../src/contract/messages';
import { SEARCH_ATTRIBUTES } from '../../../src/contract/labels';
import { uniqueTaskQueue } from '../../helpers/temporal';
import type { CheckTeardownInput, OpenEnvironmentsInput } from '../../../src/contract/reaper-io';
import {
  REAPER_TUNING,
  TEST_OWNER,
  startReaperCloud,
  withReaperWorker,
  ZONE,
  type ReaperCloud,
} from '../../helpers/reaper';
import { workflowBundle } from '../../helpers/workflows';

const HOUR = 3_600_000;
const OTHER_OWNER = 'bbbbbbbbbbbb';
let n = 0;
const project = () => `reapown-${process.pid % 10000}-${n++}`;

function reap(client: Client, taskQueue: string, input: ReaperInput) {
  return client.workflow.execute<(i: ReaperInput) => Promise<ReapReport>>('reaperWorkflow', {
    workflowId: `reap-${Date.now()}-${Math.random()}`,
    taskQueue,
    args: [{ tuning: REAPER_TUNING, orphanGraceMs: 0, owner: TEST_OWNER, ...input }],
  });
}

const why = (r: ReapReport) => Object.fromEntries(r.skipped.map((e) => [e.cluster, e.reason]));

void describe('reaperWorkflow with owners', { timeout: 240_000 }, () => {
  let cloud: ReaperCloud;
  let bundle: WorkflowBundleWithSourceMap;
  const name = (p: string, c: string) => `projects/${p}/locations/${ZONE}/clusters/${c}`;
  /** Merges labels into a cluster's, as `gcloud container clusters update --update-labels` does. */
  const relabel = async (p: string, c: string, labels: Record<string, string>) => {
    const cur = await cloud.gke.getCluster(name(p, c));
    await cloud.gke.setLabels(name(p, c), { ...(cur.resourceLabels ?? {}), ...labels }, cur.labelFingerprint ?? '');
    for (let i = 0; i < 100; i++) {
      const now = (await cloud.gke.getCluster(name(p, c))).resourceLabels ?? {};
      if (Object.entries(labels).every(([k, v]) => now[k] === v)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`labels of ${c} never changed`);
  };
  before(async () => {
    cloud = await startReaperCloud();
    bundle = await workflowBundle();
  });
  after(async () => {
    await cloud?.stop();
  });

  void it("two installations on one project, grace 0: each deletes only its own orphans; an unowned one is nobody's", async () => {
    const p = project();
    await cloud.create({ project: p, name: 'mine', expiresInMs: -HOUR });
    await cloud.create({ project: p, name: 'theirs', expiresInMs: -HOUR, owner: OTHER_OWNER });
    await cloud.create({ project: p, name: 'legacy', expiresInMs: -HOUR, owner: null });
    await withReaperWorker(bundle, cloud.activities, async ({ client, taskQueue }) => {
      const r = await reap(client, taskQueue, { projects: [p] });
      assert.equal(r.owner, TEST_OWNER);
      assert.deepEqual(
        r.deleted.map((e) => e.cluster),
        ['mine'],
      );
      assert.deepEqual(why(r), { theirs: SKIP_REASONS.otherOwner, legacy: SKIP_REASONS.unowned });
      const other = await reap(client, taskQueue, { projects: [p], owner: OTHER_OWNER });
      assert.deepEqual(
        other.deleted.map((e) => e.cluster),
        ['theirs'],
      );
      // Without an owner (a schedule from before owners) nothing is judged.
      const none = await reap(client, taskQueue, { projects: [p], owner: undefined });
      assert.deepEqual(why(none), { legacy: SKIP_REASONS.noOwner });
      assert.deepEqual(await cloud.names(p), ['legacy']);
    });
  });

  void it('protect set, or the expiry extended, between the list and the delete: re-checked and left alone', async () => {
    const p = project();
    await cloud.create({ project: p, name: 'protected-late', expiresInMs: -HOUR });
    await cloud.create({ project: p, name: 'extended-late', expiresInMs: -HOUR });
    // After the list, before any teardown starts: a user protects one and `gkeflow extend` moves the other.
    const activities = {
      ...cloud.activities,
      openEnvironments: async (i: OpenEnvironmentsInput) => {
        await relabel(p, 'protected-late', { [LABELS.protect]: 'true' });
        await relabel(p, 'extended-late', { [LABELS.expiresAt]: expiresAtLabel(Date.now() + HOUR) });
        return cloud.activities.openEnvironments(i);
      },
    };
    await withReaperWorker(bundle, activities, async ({ client, taskQueue }) => {
      const r = await reap(client, taskQueue, { projects: [p] });
      assert.deepEqual(r.deleted, []);
      assert.deepEqual(r.failed, []);
      const reasons = why(r);
      assert.match(reasons['protected-late'] ?? '', new RegExp(`^${REFUSED_PREFIX}.*gkeflow-protect`));
      assert.match(reasons['extended-late'] ?? '', new RegExp(`^${REFUSED_PREFIX}.*no longer expired`));
      assert.deepEqual(await cloud.names(p), ['extended-late', 'protected-late']);
      assert.equal(cloud.deletes.get(name(p, 'protected-late')), undefined);
      assert.equal(cloud.deletes.get(name(p, 'extended-late')), undefined);
    });
  });

  void it('protect set after the last re-check, right before DeleteCluster: deleteCluster re-checks itself, deletes nothing', async () => {
    const p = project();
    await cloud.create({ project: p, name: 'protected-last', expiresInMs: -HOUR });
    // Every re-check before the deleteCluster activity passes; the protect lands as it starts.
    const activities = {
      ...cloud.activities,
      deleteCluster: async (i: Parameters<typeof cloud.activities.deleteCluster>[0]) => {
        await relabel(p, 'protected-last', { [LABELS.protect]: 'true' });
        return cloud.activities.deleteCluster(i);
      },
    };
    await withReaperWorker(bundle, activities, async ({ client, taskQueue }) => {
      const r = await reap(client, taskQueue, { projects: [p] });
      assert.equal(cloud.deletes.get(name(p, 'protected-last')), undefined, 'no DeleteCluster was sent');
      assert.deepEqual(await cloud.names(p), ['protected-last']);
      assert.deepEqual(r.deleted, []);
      assert.deepEqual(r.failed, []);
      assert.match(why(r)['protected-last'] ?? '', /gkeflow-protect/);
    });
    // The environment's own deleteCluster (no reaper's teardown) is not held by the reaper's rules.
    await cloud.activities.deleteCluster({ env: envRef({ project: p, location: ZONE, cluster: 'protected-last' }) });
    assert.deepEqual(await cloud.names(p), []);
  });

  void it('one guard read per teardown: no checkTeardown before the cluster, one re-check inside deleteCluster right before DeleteCluster', async () => {
    const p = project();
    await cloud.create({ project: p, name: 'one-read', expiresInMs: -HOUR });
    const cluster = name(p, 'one-read');
    const checks: CheckTeardownInput[] = [];
    const activities = {
      ...cloud.activities,
      checkTeardown: async (i: CheckTeardownInput) => {
        checks.push(i);
        return cloud.activities.checkTeardown(i);
      },
    };
    // GetCluster of this cluster: the teardown's (since PATCHES.reaperOneList the plan reads none: its
    // listing shows the cluster has no control plane, so no namespace scan asks for it).
    const gets: string[] = [];
    const getCluster = cloud.gke.getCluster;
    cloud.gke.getCluster = (n: string) => {
      if (n === cluster) gets.push(n);
      return getCluster(n);
    };
    try {
      await withReaperWorker(bundle, activities, async ({ client, taskQueue }) => {
        const r = await reap(client, taskQueue, { projects: [p] });
        assert.deepEqual(
          r.deleted.map((e) => e.cluster),
          ['one-read'],
        );
      });
    } finally {
      cloud.gke.getCluster = getCluster;
    }
    assert.deepEqual(await cloud.names(p), []);
    assert.equal(cloud.deletes.get(cluster), 1);
    assert.deepEqual(checks, [], 'the workflow no longer re-checks before deleteCluster (deleteCluster does)');
    // deleteCluster's label check and its one re-check right before DeleteCluster (before
    // PATCHES.reaperOneList 3, with the plan's namespace scan; before PATCHES.teardownOneGuard 5,
    // with checkTeardown's and a re-check before the release).
    assert.equal(gets.length, 2);
  });

  void it('protect set while deleteCluster waits out a busy cluster: re-checked right before the next DeleteCluster call', async () => {
    const p = project();
    await cloud.create({ project: p, name: 'protected-busy', expiresInMs: -HOUR });
    const admin = `http://127.0.0.1:${cloud.emulator.adminPort}/faults`;
    const faults = (rules: unknown[]) =>
      fetch(admin, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules }) });
    // GKE refuses DeleteCluster while another operation runs: deleteCluster waits and calls again.
    const busy = { rpc: 'DeleteCluster', code: 'FAILED_PRECONDITION', count: 100_000, message: 'injected: busy' };
    await faults([busy]);
    try {
      await withReaperWorker(bundle, cloud.activities, async ({ client, taskQueue }) => {
        const reaping = reap(client, taskQueue, { projects: [p] });
        // The first DeleteCluster call was refused (every check before it passed); the protect lands in the wait.
        for (let i = 0; i < 600; i++) {
          const { rules } = (await (await fetch(admin)).json()) as { rules: Array<{ count?: number }> };
          if ((rules[0]?.count ?? busy.count) < busy.count) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.ok(cloud.deletes.get(name(p, 'protected-busy')), 'DeleteCluster was called (and refused as busy)');
        await relabel(p, 'protected-busy', { [LABELS.protect]: 'true' });
        await faults([]);
        const r = await reaping;
        assert.deepEqual(await cloud.names(p), ['protected-busy']);
        assert.deepEqual(r.deleted, []);
        assert.deepEqual(r.failed, []);
        assert.match(why(r)['protected-busy'] ?? '', /gkeflow-protect/);
      });
    } finally {
      await faults([]);
    }
  });

  void it('one project that cannot be listed (PERMISSION_DENIED): reported, and the other projects are reaped', async () => {
    const [ok, denied] = [project(), project()];
    await cloud.create({ project: ok, name: 'orphan-ok', expiresInMs: -HOUR });
    await cloud.create({ project: denied, name: 'orphan-denied', expiresInMs: -HOUR });
    const faults = (rules: unknown[]) =>
      fetch(`http://127.0.0.1:${cloud.emulator.adminPort}/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rules }),
      }).then((res) => assert.equal(res.status, 200));
    // The emulator answers PERMISSION_DENIED to every ListClusters in one project, as GKE does without container.clusters.list.
    await faults([
      { rpc: 'ListClusters', code: 'PERMISSION_DENIED', resource: `projects/${denied}`, message: 'injected: denied' },
    ]);
    try {
      await withReaperWorker(bundle, cloud.activities, async ({ client, taskQueue }) => {
        const r = await reap(client, taskQueue, { projects: [denied, ok] });
        assert.deepEqual(
          r.deleted.map((e) => e.cluster),
          ['orphan-ok'],
        );
        assert.deepEqual(
          r.failed.map((e) => [e.project, e.reason]),
          [[denied, CLUSTER_SCAN]],
        );
        assert.match(r.failed[0]?.cause ?? '', /denied/i);
      });
    } finally {
      await faults([]);
    }
    assert.deepEqual(await cloud.names(ok), []);
    assert.deepEqual(await cloud.names(denied), ['orphan-denied'], 'nothing of the unlisted project was touched');
  });

  void it("knownProjects: only the projects of environments on the reaper's own task queue (its target's)", async () => {
    const tag = `${process.pid % 10000}-${n++}`;
    const queues = { local: uniqueTaskQueue('known-local'), gcp: uniqueTaskQueue('known-gcp') };
    const projects = { local: `known-local-${tag}`, gcp: `known-gcp-${tag}` };
    await withReaperWorker(bundle, cloud.activities, async ({ client }) => {
      // An environment of each target (no worker polls these queues: they stay open, as started).
      const started = await Promise.all(
        (['local', 'gcp'] as const).map((t) =>
          client.workflow.start(ENVIRONMENT_WORKFLOW, {
            workflowId: `gkeflow/${projects[t]}/${ZONE}/c`,
            taskQueue: queues[t],
            args: [{}],
            typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.project, value: projects[t] }],
          }),
        ),
      );
      try {
        const acts = reaperActivities({ gke: cloud.gke, client: () => client, env: {} });
        const known = (t: 'local' | 'gcp'): Promise<string[]> =>
          new MockActivityEnvironment({ taskQueue: queues[t] }).run(acts.knownProjects) as Promise<string[]>;
        let gcp: string[] = [];
        for (let i = 0; i < 100; i++) {
          // Visibility lags a start: wait until the reaper's own environment shows.
          gcp = await known('gcp');
          if (gcp.includes(projects.gcp)) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.ok(gcp.includes(projects.gcp), `the gcp environment's project is known: ${gcp.join(', ')}`);
        assert.ok(
          !gcp.includes(projects.local),
          `a local environment's project leaked into the gcp list: ${gcp.join(', ')}`,
        );
        const local = await known('local');
        assert.ok(local.includes(projects.local) && !local.includes(projects.gcp), local.join(', '));
      } finally {
        for (const h of started) await h.terminate('test done');
      }
    });
  });

  void it("ensureCluster relabels an adopted cluster's expiry and owner, and refuses another installation's", async () => {
    const p = project();
    await cloud.create({ project: p, name: 'adopted', expiresInMs: -HOUR, owner: null });
    await cloud.create({ project: p, name: 'taken', expiresInMs: HOUR, owner: OTHER_OWNER });
    const expiresAt = expiresAtLabel(Date.now() + 2 * HOUR);
    const request = (cluster: string) => ({
      env: envRef({ project: p, location: ZONE, cluster }),
      labels: { [LABELS.expiresAt]: expiresAt, [LABELS.owner]: TEST_OWNER },
      nodePools: [{ name: 'default-pool', machineType: 'e2-small', nodeCount: 1 }],
    });
    const r = await cloud.activities.ensureCluster(request('adopted'));
    assert.equal(r.created, false);
    const labels = (await cloud.gke.getCluster(name(p, 'adopted'))).resourceLabels ?? {};
    assert.equal(labels[LABELS.expiresAt], expiresAt, 'the previous run’s (past) expiry is replaced');
    assert.equal(labels[LABELS.owner], TEST_OWNER);
    await assert.rejects(cloud.activities.ensureCluster(request('taken')), { type: 'NameTakenError' });
    assert.equal((await cloud.gke.getCluster(name(p, 'taken'))).resourceLabels?.[LABELS.owner], OTHER_OWNER);
  });
});
