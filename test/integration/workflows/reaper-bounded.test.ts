/**
 * The reaper's payloads stay bounded as the fleet grows (issue 23, PATCHES.reaperBoundedPayloads):
 * the real Temporal server, the real workflows and activities, the GKE emulator without control
 * planes; each payload measured from the run's history as the server measures it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { temporal } from '@temporalio/proto';
import { countOf } from '../../../src/workflows/reaper/plan';
import type { ReaperInput, ReapReport } from '../../../src/workflows/reaper';
import { REAPER_TUNING, TEST_OWNER, startReaperCloud, withReaperWorker, type ReaperCloud } from '../../helpers/reaper';
import { historyPayloads, type PayloadSize } from '../../helpers/history-payloads';
import { workflowBundle } from '../../helpers/workflows';

const HOUR = 3_600_000;

/** Runs a reaper to its end; its report and every run's payloads and event count. */
async function reapMeasured(client: Client, taskQueue: string, input: ReaperInput) {
  const workflowId = `reap-bounded-${Date.now()}-${Math.random()}`;
  const h = await client.workflow.start<(i: ReaperInput) => Promise<ReapReport>>('reaperWorkflow', {
    workflowId,
    taskQueue,
    args: [{ tuning: REAPER_TUNING, owner: TEST_OWNER, ...input }],
  });
  const report = await h.result();
  const runs: Array<{ events: number; payloads: PayloadSize[]; carried?: unknown }> = [];
  for (let runId: string | undefined = h.firstExecutionRunId; runId;) {
    const history: temporal.api.history.v1.IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const last = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
    // The test worker's payloads are plain JSON (no codec).
    const data = last?.input?.payloads?.[0]?.data;
    runs.push({
      ...historyPayloads(history),
      carried: data ? JSON.parse(Buffer.from(data).toString('utf8')) : undefined,
    });
    runId = last?.newExecutionRunId ?? undefined;
  }
  return { report, runs };
}

const biggest = (ps: PayloadSize[], what: string) =>
  Math.max(0, ...ps.filter((p) => p.what === what).map((p) => p.bytes));

void describe('reaperWorkflow at fleet scale', { timeout: 600_000 }, () => {
  let cloud: ReaperCloud;
  let bundle: WorkflowBundleWithSourceMap;
  before(async () => {
    cloud = await startReaperCloud({
      quotas: { clustersPerProject: 1300, nodesPerProject: 2600, cpusPerRegion: 6000, ssdGbPerRegion: 300_000 },
    });
    bundle = await workflowBundle();
  });
  after(async () => {
    await cloud?.stop();
  });

  void it('plans 1,200 clusters of one project from one ListClusters (one compact listClusterTable result), no namespace listing on clusters without a control plane, open-run checks of at most 500, and returns the last 500 rows counting all 1,200', async () => {
    const p = `reap-bounded-${process.pid % 10000}-a`;
    await cloud.createMany(
      Array.from({ length: 1200 }, (_, i) => ({ project: p, name: `c-${i}`, expiresInMs: -HOUR })),
    );
    // Every ListClusters the activities send for this project (GKE's has no pages: each is the whole project).
    const listed: string[] = [];
    const listClusters = cloud.gke.listClusters.bind(cloud.gke);
    cloud.gke.listClusters = (parent) => {
      if (parent.startsWith(`projects/${p}/`)) listed.push(parent);
      return listClusters(parent);
    };
    try {
      await withReaperWorker(bundle, cloud.activities, async ({ client, taskQueue }) => {
        const { report, runs } = await reapMeasured(client, taskQueue, { projects: [p], dryRun: true });
        assert.equal(countOf(report, 'planned'), 1200);
        assert.equal(report.planned.length, 500);
        assert.equal(report.scanned, 1200);
        const [run] = runs;
        assert.equal(runs.length, 1);
        assert.deepEqual(listed, [`projects/${p}/locations/-`], 'the project listed once');
        assert.equal(run!.payloads.filter((x) => x.what === 'listClusters result').length, 0, 'no pages');
        const tables = run!.payloads.filter((x) => x.what === 'listClusterTable result');
        assert.equal(tables.length, 1);
        // ~110 bytes a cluster: 1,200 clusters in one result under 200 KiB, and nothing else outgrows it.
        for (const x of run!.payloads) assert.ok(x.bytes < 200 * 1024, `${x.what}: ${x.bytes} bytes`);
        // The emulator's clusters have no control plane: no namespace is listed on any of them.
        assert.equal(run!.payloads.filter((x) => x.what === 'listNamespacesBatch input').length, 0);
        assert.ok(biggest(run!.payloads, 'openEnvironments input') < 40 * 1024);
      });
    } finally {
      cloud.gke.listClusters = listClusters;
    }
  });

  void it('a reap that continues as new carries its teardowns by name: every cluster deleted once, each carried teardown a few dozen bytes', async () => {
    const p = `reap-bounded-${process.pid % 10000}-b`;
    const names = Array.from({ length: 40 }, (_, i) => `c-${i}`);
    await cloud.createMany(names.map((name) => ({ project: p, name, expiresInMs: -HOUR })));
    await withReaperWorker(bundle, cloud.activities, async ({ client, taskQueue }) => {
      const { report, runs } = await reapMeasured(client, taskQueue, {
        projects: [p],
        parallelism: 4,
        tuning: { ...REAPER_TUNING, historyEventLimit: 80 },
      });
      assert.equal(countOf(report, 'deleted'), 40);
      assert.equal(countOf(report, 'failed'), 0);
      assert.deepEqual(await cloud.names(p), []);
      for (const name of names)
        assert.equal(cloud.deletes.get(`projects/${p}/locations/us-central1-a/clusters/${name}`), 1, name);
      assert.ok(runs.length >= 2, `continued as new (${runs.length} runs)`);
      // The first continue-as-new input: the report so far and the teardowns left, by name.
      const carried = runs[0]!.carried as { carried: { todo?: unknown; left?: unknown; resources?: unknown } };
      assert.equal(carried.carried.todo, undefined, 'no whole decisions carried');
      assert.equal(carried.carried.resources, undefined, 'no resources carried: read when a teardown needs them');
      const left = 40 - runs[0]!.payloads.filter((x) => x.what === 'teardownWorkflow input').length;
      assert.ok(left > 0);
      const perLeft = JSON.stringify(carried.carried.left).length / left;
      assert.ok(perLeft < 40, `each carried teardown costs ${perLeft.toFixed(0)} bytes`);
    });
  });
});
