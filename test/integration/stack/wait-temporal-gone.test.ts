// `up --wait` follows an environment by polling Temporal; when Temporal itself stops answering
// it gives up after bounded retries with exit 1 and a clear message instead of looping forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { followEnvironment } from '../../../src/cli/environment-view';
import { CliError } from '../../../src/config/errors';
import { startEphemeralTemporal } from '../../../src/stack/temporal-server';
import { ensureToolchain } from '../../../src/toolchain/toolchain';
import { startEnv, testInput } from '../../helpers/workflows';

void test('up --wait stops with exit 1 when Temporal stops answering', async () => {
  const tc = await ensureToolchain({ only: ['temporal'] });
  const dir = fs.mkdtempSync(path.join(process.env.GKEFLOW_TEST_TMP ?? os.tmpdir(), 'temporal-gone-'));
  const temporal = await startEphemeralTemporal(tc.temporal, dir);
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const client = new Client({ connection });
    const input = testInput((d) => (d.steps = []));
    const h = await startEnv(client, 'no-worker-polls-this', input); // never progresses
    await temporal.stop(); // Temporal goes away: the follower must notice, not poll forever
    const following = followEnvironment(
      client,
      h.workflowId,
      input.spec as never,
      () => {},
      () => {},
      {
        tty: false,
        color: false,
      },
      3,
    );
    const outcome = await Promise.race([
      following.then(
        (code) => ({ code }),
        (e: unknown) => ({ error: e }),
      ),
      new Promise<{ hung: true }>((r) => setTimeout(() => r({ hung: true }), 60_000).unref()),
    ]);
    assert.ok('error' in outcome, `followEnvironment ${JSON.stringify(outcome)} instead of failing`);
    const e = outcome.error as CliError;
    assert.ok(e instanceof CliError, String(e));
    assert.equal(e.exitCode, 1);
    assert.match(e.message, /Temporal stopped answering/);
  } finally {
    await temporal.stop().catch(() => undefined);
    await connection.close().catch(() => undefined);
  }
});
