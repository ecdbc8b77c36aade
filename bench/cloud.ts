// The local cloud for the end-to-end benches, in process (src/stack/local-cloud.ts, as the e2e
// tests start it): the Temporal dev server, a CNCF registry, the GKE emulator with kwok control
// planes and zero injected delays, and one worker running the real workflows and activities. Every activity call is recorded (name, input,
// the time the function itself took), so a plain script can make the same calls afterwards.
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { GkeflowActivities } from '../src/contract/activities';
import { createTargetClients, type TargetConfig } from '../src/clients';
import { ZERO_DELAYS, KWOK_TOOLCHAIN_COMPONENTS, type RunningEmulator } from '../src/emulator';
import { kwokClusterPids } from '../src/emulator/runtime/kwok-cluster';
import { startLocalCloud } from '../src/stack/local-cloud';
import { quietWorkerLogs, workflowBundle } from '../src/stack/local-temporal';
import type { TemporalConfig } from '../src/temporal/connection';
import { ensureToolchain } from '../src/toolchain/toolchain';

export interface RecordedCall {
  name: keyof GkeflowActivities;
  args: unknown[];
  result: unknown;
  /** When the function began (epoch ms, the clock of the history's event times) and how long it took. */
  startedAt: number;
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
  quietWorkerLogs();
  const toolchain = await ensureToolchain({ only: [...KWOK_TOOLCHAIN_COMPONENTS] });
  const calls: RecordedCall[] = [];
  const cloud = await startLocalCloud({
    emulator: {
      toolchain: () => Promise.resolve(toolchain),
      delays: ZERO_DELAYS,
      quotas: { clustersPerProject: 50, nodesPerProject: 500 },
    },
    workflowBundle: await workflowBundle(),
    taskQueuePrefix: 'bench',
    around: async (name, real, args) => {
      const startedAt = Date.now();
      const t0 = performance.now();
      const r = await real(...args);
      calls.push({ name, args, result: r, startedAt, ms: performance.now() - t0 });
      return r;
    },
  });
  const clients = createTargetClients(cloud.target);
  return {
    client: cloud.client,
    cfg: { ...cloud.cfg, uiUrl: 'http://127.0.0.1:1' },
    emulator: cloud.emulator,
    target: cloud.target,
    activities: cloud.activities,
    clients,
    calls,
    kubectl: toolchain.kubectl,
    clusterPids: () => {
      const workdir = path.join(cloud.stateDir, 'kwok');
      const dir = path.join(workdir, 'clusters');
      return fs.existsSync(dir) ? fs.readdirSync(dir).flatMap((name) => kwokClusterPids({ name, workdir })) : [];
    },
    reset: () => cloud.reset(),
    stop: async () => {
      await clients.close();
      await cloud.stop();
    },
  };
}
