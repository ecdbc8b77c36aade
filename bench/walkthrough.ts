// End-to-end time of the walkthrough (examples/tensorflow-notebook.yaml) on the running local
// stack, and each step's share, read from the workflow's own history (activity scheduled →
// completed), so the figures are what Temporal recorded, not a poll's guess.
// Usage: npx gkeflow stack up && npx tsx bench/walkthrough.ts [--runs 3]
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { temporal } from '@temporalio/proto';
import { validateSpec } from '../src/envspec';
import { repoRoot } from '../src/paths';
import { connectClient, temporalConfig } from '../src/temporal/connection';
import type { StepName } from '../src/contract/steps';
import { envStatus, startEnvironment } from '../src/temporal/environments';
import { teardownUpdate } from '../src/contract/messages';

const EventType = temporal.api.enums.v1.EventType;
// What a real GKE run takes (../shared/DESIGN.md), beside the local figures.
const ANCHORS: Partial<Record<StepName, string>> = {
  pushImage: 'depends on image size',
  ensureCluster: 'GKE: 3–10 min',
  applyDeployment: 'GKE: ~30 s (image pull)',
  applyService: 'GKE: < 1 s',
  waitForExternalIp: 'GKE: ~1 min',
  probeEndpoint: 'GKE: < 1 s',
  scaleDeployment: 'GKE: ~10 s each',
  resizeNodePool: 'GKE: ~2 min',
};

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 1) || 1;
const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

async function once(
  i: number,
  client: Awaited<ReturnType<typeof connectClient>>['client'],
  cfg: ReturnType<typeof temporalConfig>,
) {
  const doc = YAML.parse(fs.readFileSync(path.join(repoRoot, 'examples/tensorflow-notebook.yaml'), 'utf8'));
  doc.cluster.name = `bench-walkthrough-${Date.now().toString(36)}-${i}`;
  const spec = validateSpec(doc, 'bench');
  const s = await startEnvironment(client, cfg, spec);
  for (;;) {
    const st = await envStatus(client, s.envId);
    if (st.status?.phase === 'failed') throw new Error(`run failed: ${st.status.lastError}`);
    if (st.status?.phase === 'running' && st.status.stepsDone === st.status.stepsTotal) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const h = client.workflow.getHandle(s.envId, s.runId);
  const history = await h.fetchHistory();
  const events = history.events ?? [];
  const start = ms(events[0]?.eventTime);
  const scheduled = new Map<number, { type: string; at: number }>();
  const steps: Array<{ type: string; ms: number }> = [];
  let end = start;
  for (const e of events) {
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
      scheduled.set(Number(e.eventId), {
        type: e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?',
        at: ms(e.eventTime),
      });
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
      const sch = scheduled.get(Number(e.activityTaskCompletedEventAttributes?.scheduledEventId));
      if (sch) steps.push({ type: sch.type, ms: ms(e.eventTime) - sch.at });
      end = ms(e.eventTime);
    }
  }
  const t0 = Date.now();
  await h.executeUpdate(teardownUpdate, { args: [{ reason: 'bench' }] });
  return { total: end - start, steps, teardown: Date.now() - t0 };
}

async function run(): Promise<void> {
  const cfg = temporalConfig();
  const { client, close } = await connectClient(cfg);
  try {
    for (let i = 0; i < runs; i++) {
      const r = await once(i, client, cfg);
      console.log(
        `\nrun ${i + 1}: walkthrough provisioned + plan done in ${(r.total / 1000).toFixed(1)} s; teardown ${(r.teardown / 1000).toFixed(1)} s`,
      );
      console.log(`${'step'.padEnd(20)}${'seconds'.padStart(9)}${'share'.padStart(8)}   anchor`);
      for (const s of r.steps)
        console.log(
          `${s.type.padEnd(20)}${(s.ms / 1000).toFixed(2).padStart(9)}${`${((100 * s.ms) / r.total).toFixed(0)}%`.padStart(8)}   ${ANCHORS[s.type as StepName] ?? ''}`,
        );
    }
  } finally {
    await close();
  }
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
