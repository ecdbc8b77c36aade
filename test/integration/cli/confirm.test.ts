import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../helpers/cli';
import { runCliInPty } from '../../helpers/pty';
import { testTemporalAddress } from '../../helpers/temporal';
import { startRunning, stubActivities, withWorker } from '../../helpers/workflows';

void test('down asks on a terminal naming what goes: n keeps it, y tears it down; no terminal needs --yes', async () => {
  await withWorker(stubActivities(), async ({ client, taskQueue }) => {
    const env = { TEMPORAL_ADDRESS: await testTemporalAddress(), GKEFLOW_TASK_QUEUE: taskQueue };
    const h = await startRunning(client, taskQueue);
    const cluster = h.workflowId.split('/').at(-1)!;

    const piped = await runCli(['down', h.workflowId, '--wait'], env);
    assert.equal(piped.code, 2, piped.stderr);
    assert.match(piped.stderr, /no terminal to ask on; pass --yes/);

    const no = await runCliInPty(['down', h.workflowId, '--wait'], 'n\n', env);
    assert.equal(no.code, 2, no.screen);
    assert.match(
      no.screen,
      new RegExp(`This deletes:[\\s\\S]*environment ${h.workflowId}[\\s\\S]*GKE cluster ${cluster}`),
    );
    assert.match(no.screen, /not confirmed; nothing was deleted/);
    assert.equal((await h.describe()).status.name, 'RUNNING', 'declined: nothing torn down');

    const yes = await runCliInPty(['down', h.workflowId, '--wait'], 'y\n', env);
    assert.equal(yes.code, 0, yes.screen);
    assert.match(yes.screen, /torn down/);
    assert.notEqual((await h.describe()).status.name, 'RUNNING');
  });
});
