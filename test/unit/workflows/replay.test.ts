import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { SCENARIOS } from '../../helpers/history-scenarios';
import { stubActivities, withWorker, workflowBundle } from '../../helpers/workflows';

const DIR = path.join(__dirname, '..', '..', 'fixtures', 'histories');

const History = temporal.api.history.v1.History;

/**
 * A recorded history. The events are stored as the protobuf encoding (base64): the installed
 * @temporalio/common carries its own protobufjs major, whose protojson cannot read
 * @temporalio/proto's types ("type must be a Type"), so the JSON history format cannot be
 * loaded here. `eventTypes` keeps the file reviewable.
 */
interface Fixture {
  workflowId: string;
  scenario: string;
  eventTypes: string[];
  historyProtoBase64: string;
}

if (process.env.GKEFLOW_RECORD_HISTORIES === '1') {
  // Only scenarios without a fixture: recorded histories are never re-recorded.
  for (const s of SCENARIOS.filter((sc) => !fs.existsSync(path.join(DIR, `${sc.name}.json`)))) {
    void test(`records the ${s.name} history`, async () => {
      const stub = stubActivities(s.faults ?? {});
      s.prepare?.(stub);
      const cluster = `replay-${s.name}`.slice(0, 40).replace(/-$/, '');
      await withWorker(stub, async ({ client, taskQueue }) => {
        const run = await s.drive(client, taskQueue, cluster);
        const history = await client.workflow.getHandle(run.workflowId, run.firstExecutionRunId).fetchHistory();
        const fixture: Fixture = {
          workflowId: run.workflowId,
          scenario: s.name,
          eventTypes: (history.events ?? []).map(
            (e) => `${String(e.eventId)} ${temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? e.eventType}`,
          ),
          historyProtoBase64: Buffer.from(History.encode(history).finish()).toString('base64'),
        };
        fs.mkdirSync(DIR, { recursive: true });
        fs.writeFileSync(path.join(DIR, `${s.name}.json`), `${JSON.stringify(fixture, null, 1)}\n`);
      });
    });
  }
}

void test('replays every recorded history without nondeterminism', async () => {
  const files = fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
  assert.ok(files.length >= 5, `expected recorded histories in ${DIR}`);
  const bundle = await workflowBundle();
  for (const f of files) {
    const fixture = JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as Fixture;
    // Throws DeterminismViolationError when the workflow code no longer matches the history.
    const history = History.decode(Buffer.from(fixture.historyProtoBase64, 'base64'));
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, fixture.workflowId).catch((err: unknown) => {
      throw new Error(`${f} (${fixture.scenario}) no longer replays: ${String(err)}`);
    });
  }
});
