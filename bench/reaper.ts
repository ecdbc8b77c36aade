// The reaper's figure for docs/reaper.md: N expired clusters (default 200) in the GKE emulator
// without control planes, reaped by one reaperWorkflow run (each a teardownWorkflow child,
// --parallelism at once) on a real Temporal dev server; wall time from start to report beside
// the goal (≤ 60 s for 200). --delete-ms sets the emulator's DeleteCluster duration (default 0:
// the figure is gkeflow's and Temporal's own overhead).
// --history-limit N makes the reaper continue as new past N history events (default: the reaper's own);
// the runs it took are printed.
// Usage: npx tsx bench/reaper.ts [--clusters 200] [--parallelism 10] [--delete-ms 0] [--history-limit N]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startEphemeralTemporal } from '../src/stack/temporal-server';
import { ensureToolchain } from '../src/toolchain/toolchain';
import type { ReaperInput, ReapReport } from '../src/workflows/reaper';
import { commandOf, row } from './report';

const GOAL_S = 60;
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

async function run(): Promise<void> {
  const clusters = arg('clusters', 200);
  const parallelism = arg('parallelism', 10);
  const deleteMs = arg('delete-ms', 0);
  const historyLimit = arg('history-limit', 0);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-reaper-bench-'));
  const tc = await ensureToolchain({ only: ['temporal'] });
  const temporal = await startEphemeralTemporal(tc.temporal, tmp);
  // The test helpers read the server's address from here.
  process.env.GKEFLOW_TEST_TEMPORAL_ADDRESS = temporal.address;
  process.env.GKEFLOW_TEST_TMP = tmp;
  const { REAPER_TUNING, startReaperCloud, withReaperWorker } = await import('../test/helpers/reaper');
  const { workflowBundle } = await import('../test/helpers/workflows');
  const cloud = await startReaperCloud({
    delays: { deleteCluster: deleteMs },
    quotas: { clustersPerProject: clusters + 10, nodesPerProject: clusters * 2 + 10 },
  });
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const project = 'bench-reaper';
    for (let i = 0; i < clusters; i += 20)
      await Promise.all(
        Array.from({ length: Math.min(20, clusters - i) }, (_, j) =>
          cloud.create({ project, name: `expired-${i + j}`, expiresInMs: -3_600_000 }),
        ),
      );
    const client = new Client({ connection });
    const tuning = { ...REAPER_TUNING, ...(historyLimit ? { historyEventLimit: historyLimit } : {}) };
    const { report, ms, runs } = await withReaperWorker(
      await workflowBundle(),
      cloud.activities,
      async ({ taskQueue }) => {
        const t0 = Date.now();
        const workflowId = `bench-reaper-${Date.now()}`;
        const h = await client.workflow.start<(i: ReaperInput) => Promise<ReapReport>>('reaperWorkflow', {
          workflowId,
          taskQueue,
          args: [{ projects: [project], parallelism, tuning }],
        });
        const first = h.firstExecutionRunId;
        const r = await h.result();
        const elapsed = Date.now() - t0;
        // Follow the chain of runs (the visibility list may lag the last ones).
        let n = 0;
        for (let runId: string | undefined = first; runId; n++) {
          const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
          const next: string | null | undefined =
            history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
          runId = next ?? undefined;
        }
        return { report: r, ms: elapsed, runs: n };
      },
    );
    const left = (await cloud.names(project)).length;
    const s = ms / 1000;
    console.log(
      `reap ${clusters} expired clusters (parallelism ${parallelism}, DeleteCluster ${deleteMs} ms): ` +
        `${s.toFixed(1)} s (goal ≤ ${GOAL_S} s for 200: ${s <= GOAL_S ? 'met' : 'MISSED'}); ` +
        `deleted ${report.deleted.length}, failed ${report.failed.length}, left ${left}; ${runs} run(s) (continue-as-new)`,
    );
    row({
      area: 'Reaper',
      figure: `${clusters} expired clusters reaped by one reaper run (parallelism ${parallelism}, DeleteCluster ${deleteMs} ms)`,
      value: `${s.toFixed(1)} s`,
      anchor: `${(GOAL_S * (clusters / 200)).toFixed(0)} s (goal, scaled to ${clusters} clusters)`,
      ratio: `${(s / (GOAL_S * (clusters / 200))).toFixed(2)}×`,
      goal: `≤ ${GOAL_S} s for 200`,
      met: clusters >= 200 ? s <= GOAL_S : undefined,
      note:
        `deleted ${report.deleted.length}, failed ${report.failed.length}, left ${left}; each cluster is a teardownWorkflow ` +
        'child on a real Temporal dev server; the emulator runs without control planes (GKE calls only)',
      command: commandOf('reaper.ts'),
    });
    if (report.deleted.length !== clusters || left !== 0) process.exitCode = 1;
  } finally {
    await connection.close();
    await cloud.stop();
    await temporal.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
