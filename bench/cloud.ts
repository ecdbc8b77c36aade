// The local cloud for the end-to-end benches, in process: the Temporal dev server (test helper),
// a CNCF registry, the GKE emulator with kwok control planes and zero injected delays, and one
// worker running the real workflows and activities. Every activity call is recorded (name, input,
// the time the function itself took), so a plain script can make the same calls afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { activitiesForTarget } from '../src/activities';
import type { GkeflowActivities } from '../src/activities/types';
import { createTargetClients, type TargetConfig } from '../src/clients';
import { ZERO_DELAYS } from '../src/emulator/settings';
import { KWOK_TOOLCHAIN_COMPONENTS } from '../src/emulator/runtime';
import { kwokClusterPids } from '../src/emulator/runtime/kwok-cluster';
import { startEmulator, type RunningEmulator } from '../src/emulator/server';
import type { TemporalConfig } from '../src/temporal/connection';
import { ensureToolchain } from '../src/toolchain/toolchain';

export interface RecordedCall {
  name: keyof GkeflowActivities;
  args: unknown[];
  result: unknown;
  ms: number;
}

export interface BenchCloud {
  client: Client;
  cfg: TemporalConfig;
  emulator: RunningEmulator;
  target: TargetConfig;
  /** The real activities (for the plain script's calls). */
  activities: GkeflowActivities;
  clients: ReturnType<typeof createTargetClients>;
  /** Every activity call the worker made, in order; clear it between runs. */
  calls: RecordedCall[];
  kubectl: string;
  /** The pids of every kwok control-plane process the emulator runs now. */
  clusterPids(): number[];
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBenchCloud(): Promise<BenchCloud> {
  const { testTemporalAddress, uniqueTaskQueue } = await import('../test/helpers/temporal');
  const { startTestRegistry } = await import('../test/helpers/registry-server');
  const { workflowBundle } = await import('../test/helpers/workflows');
  const address = await testTemporalAddress();
  const toolchain = await ensureToolchain({ only: [...KWOK_TOOLCHAIN_COMPONENTS] });
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-bench-cloud-'));
  const registry = await startTestRegistry();
  const emulator = await startEmulator({
    port: 0,
    adminPort: 0,
    stateDir,
    controlPlane: 'kwok',
    toolchain: () => Promise.resolve(toolchain),
    delays: ZERO_DELAYS,
    quotas: { clustersPerProject: 50, nodesPerProject: 500 },
  });
  const target: TargetConfig = {
    target: 'local',
    emulatorAddress: emulator.address,
    registryAddress: registry.address,
  };
  const { activities, close } = activitiesForTarget(target);
  const calls: RecordedCall[] = [];
  const recorded = Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      async (...args: unknown[]) => {
        const t0 = performance.now();
        const r = await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
        calls.push({ name: name as keyof GkeflowActivities, args, result: r, ms: performance.now() - t0 });
        return r;
      },
    ]),
  );
  const taskQueue = uniqueTaskQueue('bench');
  const native = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: recorded,
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const clients = createTargetClients(target);
  return {
    client: new Client({ connection }),
    cfg: { address, namespace: 'default', taskQueue, uiUrl: 'http://127.0.0.1:1' },
    emulator,
    target,
    activities,
    clients,
    calls,
    kubectl: toolchain.kubectl,
    clusterPids: () => {
      const workdir = path.join(stateDir, 'kwok');
      const dir = path.join(workdir, 'clusters');
      return fs.existsSync(dir) ? fs.readdirSync(dir).flatMap((name) => kwokClusterPids({ name, workdir })) : [];
    },
    reset: async () => {
      // The admin endpoint takes changes as JSON only (a form POST from a web page must not reset).
      const res = await fetch(`http://127.0.0.1:${emulator.adminPort}/reset`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      if (!res.ok) throw new Error(`POST /reset answered ${res.status}: ${await res.text()}`);
    },
    stop: async () => {
      worker.shutdown();
      await running;
      await native.close();
      await connection.close();
      await clients.close();
      await close();
      await emulator.stop();
      await registry.stop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
