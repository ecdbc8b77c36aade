import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClusterRequestOf } from '../../src/activities/gke';
import { createGkeClient, type GkeClient } from '../../src/clients/gke';
import { envRef } from '../../src/contract/environment-id';
import { PORT_ENV } from '../../src/config/endpoints';
import { expiresAtLabel, LABELS, ownerLabels } from '../../src/contract/labels';
import { installationOwner, INSTALLATION_ENV } from '../../src/config/installation';
import { STACK_REAPER_SCHEDULE } from '../../src/temporal/schedules';
import { freePort } from '../../src/process/process';
import { runCli } from '../helpers/cli';
import { eventually } from '../helpers/workflows';

// Scheduled teardown on the whole local stack (private ports): stack up made its hourly reaper;
// a 2 s schedule made through the CLI reaps an expired cluster of the stack's emulator.
let env: NodeJS.ProcessEnv;
let stateDir: string;
let gke: GkeClient | undefined;

before(async () => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-reaper-stack-'));
  // One installation for the stack, the CLI and the orphan below: the reaper judges only what it owns.
  env = { GKEFLOW_STATE_DIR: stateDir, [INSTALLATION_ENV]: 'e2e-reaper-stack' };
  for (const v of Object.values(PORT_ENV)) env[v] = String(await freePort()); // never the default ports
});

after(async () => {
  await gke?.close();
  await runCli(['stack', 'down'], env);
  fs.rmSync(stateDir, { recursive: true, force: true });
});

void test('stack up creates the hourly reaper; a seconds schedule fires and reaps on the local stack', async () => {
  const up = await runCli(['stack', 'up'], env);
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stderr, new RegExp(`reaper: schedule ${STACK_REAPER_SCHEDULE} \\(hourly\\) created`));
  const ls = await runCli(['schedule', 'ls', '--json'], env);
  assert.equal(ls.code, 0, ls.stderr);
  const hourly = (JSON.parse(ls.stdout) as Array<{ name: string; spec: string }>).find(
    (s) => s.name === STACK_REAPER_SCHEDULE,
  );
  assert.equal(hourly?.spec, 'every 1h');
  // A second up leaves the schedule alone.
  assert.match((await runCli(['stack', 'up'], env)).stderr, /already there/);

  const project = 'e2e-reaper';
  const location = 'us-central1-a';
  gke = createGkeClient({
    target: 'local',
    emulatorAddress: `127.0.0.1:${env[PORT_ENV.emulator]}`,
    registryAddress: '127.0.0.1:1',
  });
  const env1 = envRef({ project, location, cluster: 'forgotten' });
  await gke.createCluster(
    `projects/${project}/locations/${location}`,
    createClusterRequestOf({
      env: env1,
      nodePools: [{ name: 'default-pool', machineType: 'e2-small', nodeCount: 1 }],
      labels: {
        [LABELS.expiresAt]: expiresAtLabel(Date.now() - 60_000),
        ...ownerLabels(installationOwner('default', env)),
      },
    }),
  );
  const names = async () => (await gke!.listClusters(`projects/${project}/locations/-`)).map((c) => c.name);
  assert.deepEqual(await names(), ['forgotten']);

  const created = await runCli(['schedule', 'create', 'e2e-every-2s', '--every', '2s', '--project', project], env);
  assert.equal(created.code, 0, created.stderr);
  await eventually(names, (ns) => ns.length === 0, 120_000);

  assert.equal((await runCli(['schedule', 'pause', 'e2e-every-2s'], env)).code, 0);
  const d = await runCli(['schedule', 'describe', 'e2e-every-2s'], env);
  const desc = JSON.parse(d.stdout) as { paused: boolean; recentRuns: unknown[] };
  assert.equal(desc.paused, true);
  assert.ok(desc.recentRuns.length >= 1);
  assert.equal((await runCli(['schedule', 'rm', 'e2e-every-2s'], env)).code, 0);
  assert.equal((await runCli(['schedule', 'describe', 'e2e-every-2s'], env)).code, 2);
});
