/**
 * Reaper schedules through the CLI's own entry (main) against the real Temporal server: a
 * seconds-interval schedule fires and reaps; pause stops it; rm removes it; bad input is exit 2,
 * names the flag and creates nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ensureStackReaper, listReaperSchedules, STACK_REAPER_SCHEDULE } from '../../../src/temporal/schedules';
import { main } from '../../../src/cli/main';
import { startReaperCloud, withReaperWorker, type ReaperCloud } from '../../helpers/reaper';
import { testTemporalAddress } from '../../helpers/temporal';
import { eventually, workflowBundle } from '../../helpers/workflows';

const HOUR = 3_600_000;

/** Runs the CLI in this process; returns its exit code and what it printed. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  // Only the CLI's strings are captured: the test runner's own events (buffers) still reach the parent.
  process.stdout.write = ((s: string | Uint8Array, ...rest: never[]) =>
    typeof s === 'string' ? (out.push(s), true) : o(s, ...rest)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array, ...rest: never[]) =>
    typeof s === 'string' ? (err.push(s), true) : e(s, ...rest)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

void describe('reaper schedules (gkeflow schedule …)', { timeout: 240_000 }, () => {
  let cloud: ReaperCloud;
  let bundle: WorkflowBundleWithSourceMap;
  const saved = { ...process.env };
  before(async () => {
    cloud = await startReaperCloud();
    bundle = await workflowBundle();
    process.env.TEMPORAL_ADDRESS = await testTemporalAddress();
  });
  after(async () => {
    process.env = saved;
    await cloud?.stop();
  });

  void it('a schedule with a seconds interval fires and reaps; pause stops it; rm removes it', async () => {
    const p = `sched-${process.pid % 10000}`;
    const name = `reap-every-2s-${process.pid}`;
    await cloud.create({ project: p, name: 'expired-1', expiresInMs: -HOUR });
    await withReaperWorker(bundle, cloud.activities, async ({ taskQueue }) => {
      process.env.GKEFLOW_TASK_QUEUE = taskQueue;
      const created = await cli('schedule', 'create', name, '--every', '2s', '--project', p, '--orphan-grace', '1h');
      assert.equal(created.code, 0, created.err);
      await eventually(
        () => cloud.names(p),
        (ns) => ns.length === 0,
        30_000,
      );
      const ls = await cli('schedule', 'ls', '--json');
      assert.equal(ls.code, 0, ls.err);
      const mine = (JSON.parse(ls.out) as Array<{ name: string; paused: boolean; spec: string }>).find(
        (s) => s.name === name,
      );
      assert.deepEqual(mine && { paused: mine.paused, spec: mine.spec }, { paused: false, spec: 'every 2s' });

      assert.equal((await cli('schedule', 'pause', name)).code, 0);
      const d = await cli('schedule', 'describe', name);
      const desc = JSON.parse(d.out) as { paused: boolean; overlap: string; input: { projects: string[] } };
      assert.equal(desc.paused, true);
      assert.equal(desc.overlap, 'SKIP');
      assert.deepEqual(desc.input.projects, [p]);
      // Let a run that was already starting finish, then a new expired cluster must survive several intervals.
      await new Promise((r) => setTimeout(r, 2500));
      await cloud.create({ project: p, name: 'expired-2', expiresInMs: -HOUR });
      await new Promise((r) => setTimeout(r, 5000));
      assert.deepEqual(await cloud.names(p), ['expired-2']);

      // trigger runs it once now, even while paused; unpause resumes it.
      assert.equal((await cli('schedule', 'trigger', name)).code, 0);
      await eventually(
        () => cloud.names(p),
        (ns) => ns.length === 0,
        30_000,
      );
      assert.equal((await cli('schedule', 'unpause', name)).code, 0);
      assert.equal((JSON.parse((await cli('schedule', 'describe', name)).out) as { paused: boolean }).paused, false);

      assert.equal((await cli('schedule', 'rm', name)).code, 0);
      const gone = await cli('schedule', 'describe', name);
      assert.equal(gone.code, 2);
      assert.match(gone.err, /no schedule named .*GKF-SCHEDULE-NOT-FOUND/);
    });
  });

  void it('stack up creates the local hourly reaper schedule once', async () => {
    const address = await testTemporalAddress();
    const connection = await Connection.connect({ address });
    try {
      const client = new Client({ connection });
      assert.equal(await ensureStackReaper(client, 'stack-queue'), true);
      assert.equal(await ensureStackReaper(client, 'stack-queue'), false);
      const mine = (await listReaperSchedules(client)).find((s) => s.name === STACK_REAPER_SCHEDULE);
      assert.deepEqual(mine && [mine.spec, mine.paused], ['every 1h', false]);
      await client.schedule.getHandle(STACK_REAPER_SCHEDULE).delete();
    } finally {
      await connection.close();
    }
  });

  void it('reap runs the reaper once and prints the report', async () => {
    const p = `reapnow-${process.pid % 10000}`;
    await cloud.create({ project: p, name: 'expired', expiresInMs: -HOUR });
    await cloud.create({ project: p, name: 'kept', managed: false });
    await withReaperWorker(bundle, cloud.activities, async ({ taskQueue }) => {
      process.env.GKEFLOW_TASK_QUEUE = taskQueue;
      const dry = await cli('reap', '--dry-run', '--project', p, '--json');
      assert.equal(dry.code, 0, dry.err);
      assert.deepEqual(
        (JSON.parse(dry.out) as { planned: Array<{ cluster: string }> }).planned.map((e) => e.cluster),
        ['expired'],
      );
      assert.deepEqual(await cloud.names(p), ['expired', 'kept']);
      const r = await cli('reap', '--yes', '--project', p);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /deleted\s+gkeflow\/.*\/expired\s+expired/);
      assert.match(r.out, /skipped\s+gkeflow\/.*\/kept\s+foreign/);
      assert.deepEqual(await cloud.names(p), ['kept']);
    });
  });

  void it('bad input is exit 2, names the flag, and creates nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['schedule', 'create', 'nightly'], /--every DURATION or --cron EXPR is required/],
      [['schedule', 'create', 'nightly', '--every', '5x'], /--every '5x'/],
      [['schedule', 'create', 'nightly', '--every', '0s'], /--every '0s'/],
      [['schedule', 'create', 'nightly', '--cron', '61 * * * *'], /--cron '61 \* \* \* \*'/],
      [['schedule', 'create', 'nightly', '--cron', '0 20 * *'], /--cron .*5 fields/],
      [['schedule', 'create', 'nightly', '--every', '1h', '--cron', '@hourly'], /--every and --cron/],
      [['schedule', 'create', 'nightly', '--every', '1h', '--timezone', 'Mars/Olympus'], /--timezone 'Mars\/Olympus'/],
      [['schedule', 'create', 'nightly', '--every', '1h', '--orphan-grace', 'soon'], /--orphan-grace 'soon'/],
      [['schedule', 'create', 'Bad_Name', '--every', '1h'], /NAME 'Bad_Name'/],
      [['reap', '--orphan-grace', '5 minutes'], /--orphan-grace '5 minutes'/],
      [['reap', '--project', 'X'], /--project 'X'/],
      [['schedule', 'describe', 'no-such-schedule'], /no schedule named 'no-such-schedule'/],
      [['schedule', 'pause', 'no-such-schedule'], /no schedule named/],
      [['schedule', 'rm', 'no-such-schedule'], /no schedule named/],
    ];
    for (const [args, why] of cases) {
      const r = await cli(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, why, args.join(' '));
    }
    // A name that is taken: exit 2, the existing schedule unchanged.
    assert.equal((await cli('schedule', 'create', 'taken', '--every', '1h')).code, 0);
    const again = await cli('schedule', 'create', 'taken', '--every', '2h');
    assert.equal(again.code, 2);
    assert.match(again.err, /a schedule named 'taken' already exists/);
    assert.match((await cli('schedule', 'describe', 'taken')).out, /"spec": "every 1h"/);
    assert.equal((await cli('schedule', 'rm', 'taken')).code, 0);
    const ls = await cli('schedule', 'ls', '--json');
    const names = (JSON.parse(ls.out) as Array<{ name: string }>).map((s) => s.name);
    assert.ok(!names.includes('nightly') && !names.includes('Bad_Name'), names.join(','));
  });

  void it('issue 17: reap and schedule create refuse a task queue no worker polls; --target gcp needs --project', async () => {
    process.env.GKEFLOW_TASK_QUEUE = `nobody-polls-${process.pid}-${Date.now()}`;
    const reap = await cli('reap', '--project', 'sched-none-1', '--dry-run');
    assert.equal(reap.code, 1, reap.out);
    assert.match(reap.err, /no worker polls task queue 'nobody-polls-/);
    const name = `never-${process.pid}`;
    const created = await cli('schedule', 'create', name, '--every', '1h', '--project', 'sched-none-1');
    assert.equal(created.code, 1, created.out);
    assert.match(created.err, /no worker polls task queue/);
    const connection = await Connection.connect({ address: await testTemporalAddress() });
    try {
      const schedules = await listReaperSchedules(new Client({ connection }));
      assert.ok(!schedules.some((x) => x.name === name), 'no schedule was made');
    } finally {
      await connection.close();
    }
    const gcp = await cli('reap', '--target', 'gcp');
    assert.equal(gcp.code, 2);
    assert.match(gcp.err, /--project: required with --target gcp/);
    const bad = await cli('reap', '--target', 'aws', '--project', 'sched-none-1');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--target 'aws': expected local or gcp/);
  });
});
