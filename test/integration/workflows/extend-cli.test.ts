import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusQuery, teardownUpdate } from '../../../src/workflows';
import { runCli } from '../../helpers/cli';
import { testTemporalAddress } from '../../helpers/temporal';
import { startRunning, stubActivities, withWorker } from '../../helpers/workflows';

/** A usage error: exit 2, one line on stderr naming `mentions`. */
function assertUsageError(r: { code: number; stderr: string }, mentions: RegExp): void {
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.match(r.stderr.trim().split('\n').at(-1) ?? '', mentions);
}

void test('gkeflow extend moves the TTL, status shows the time left; a bad TTL or a closed environment exits 2', async () => {
  const stub = stubActivities();
  const env = { TEMPORAL_ADDRESS: await testTemporalAddress() };
  await withWorker(stub, async ({ client, taskQueue }) => {
    const h = await startRunning(client, taskQueue);
    const before = await h.query(statusQuery);
    assertUsageError(await runCli(['extend', h.workflowId, '--ttl', '31d'], env), /--ttl: must be between 1s and 30d/);
    assertUsageError(await runCli(['extend', h.workflowId], env), /--ttl/);
    assert.equal((await h.query(statusQuery)).expiresAt, before.expiresAt, 'nothing changed');

    const ok = await runCli(['extend', h.workflowId, '--ttl', '3h'], env);
    assert.equal(ok.code, 0, ok.stderr);
    const after = await h.query(statusQuery);
    assert.ok(Date.parse(after.expiresAt) > Date.now() + 2.9 * 3_600_000);

    const st = await runCli(['status', h.workflowId], env);
    assert.equal(st.code, 0, st.stderr);
    assert.match(st.stdout, /time left +2h 5\dm/);
    const json = JSON.parse((await runCli(['status', h.workflowId, '--json'], env)).stdout) as {
      timeLeftSeconds: number;
    };
    assert.ok(json.timeLeftSeconds > 2.9 * 3600 && json.timeLeftSeconds <= 3 * 3600);

    await h.executeUpdate(teardownUpdate, { args: [{}] });
    await h.result();
    assertUsageError(await runCli(['extend', h.workflowId, '--ttl', '2h'], env), /ENV: .* is closed/);
  });
});
