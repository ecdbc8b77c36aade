// gkeflow as a library: a team's own worker (its Worker.create, its interceptor, its task queue)
// registers gkeflow's workflows and activities through the package entry, and the team's code
// drives the walkthrough with the typed client helper, on the real local cloud.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type ActivityInterceptorsFactory } from '@temporalio/worker';
import { activitiesForTarget, environmentStatus, startEnvironment, teardown, workflowSource } from '../../src';
import { startLocalEmulator } from '../../src/stack/local-emulator';
import { startLocalRegistry, type LocalRegistry } from '../../src/stack/local-registry';
import { localTemporalAddress, uniqueTaskQueue } from '../../src/stack/local-temporal';
import type { RunningEmulator } from '../../src/emulator';
import { E2E_TUNING, exampleSpec, planDone } from '../helpers/walkthrough';

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-library-'));
const taskQueue = uniqueTaskQueue('team-queue');
/** The team's own interceptor: it sees every gkeflow activity its worker runs. */
const seen: string[] = [];
const teamInterceptor: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    execute: (input, next) => {
      seen.push(ctx.info.activityType);
      return next(input);
    },
  },
});

let registry: LocalRegistry;
let emulator: RunningEmulator;
let native: NativeConnection;
let connection: Connection;
let worker: Worker;
let running: Promise<void>;
let closeActivities: () => Promise<void>;

before(async () => {
  const address = await localTemporalAddress();
  registry = await startLocalRegistry();
  emulator = await startLocalEmulator({ stateDir, speed: 10 });
  const { activities, close } = activitiesForTarget({
    target: 'local',
    emulatorAddress: emulator.address,
    registryAddress: registry.address,
  });
  closeActivities = close;
  native = await NativeConnection.connect({ address });
  worker = await Worker.create({
    connection: native,
    taskQueue,
    ...workflowSource(),
    activities,
    interceptors: { activity: [teamInterceptor] },
  });
  running = worker.run();
  connection = await Connection.connect({ address });
});

after(async () => {
  worker?.shutdown();
  await running;
  await native?.close();
  await connection?.close();
  await closeActivities?.();
  await emulator?.stop();
  await registry?.stop();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

void test("the team's own worker runs the walkthrough through the library and tears it down", async () => {
  const client = new Client({ connection });
  const started = await startEnvironment(client, exampleSpec('library-walkthrough'), { taskQueue, tuning: E2E_TUNING });
  assert.match(started.envId, /^gkeflow\/gkeflow-demo\/[a-z0-9-]+\/library-walkthrough$/);
  assert.equal(await planDone(client, started.envId), 'running');
  const st = await environmentStatus(client, started.envId);
  assert.equal(st.replicas, 5);
  assert.deepEqual(st.poolSizes, { 'default-pool': 3 });
  const res = await teardown(client, started.envId, 'library test');
  assert.deepEqual(res.leftovers, []);
  assert.deepEqual([...res.cleaned].sort(), ['cluster', 'deployment', 'service']);
  await client.workflow.getHandle(started.envId).result();
  assert.ok(
    seen.includes('ensureCluster') && seen.includes('deleteCluster'),
    `the team's interceptor saw ${seen.join(',')}`,
  );
  const { clusters } = (await (await fetch(`http://127.0.0.1:${emulator.adminPort}/clusters`)).json()) as {
    clusters: unknown[];
  };
  assert.deepEqual(clusters, [], 'no cluster left');
});
