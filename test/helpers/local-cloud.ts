/**
 * The whole local cloud for an end-to-end test, all real: the Temporal dev server of the test
 * run, a CNCF registry, the GKE emulator with kwok control planes, and a worker running the
 * real workflows and activities on a unique task queue. `wrap` lets a test inject a fault
 * around one activity while every other call reaches the real systems.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { activitiesForTarget } from '../../src/activities';
import type { TargetConfig } from '../../src/clients/config';
import type { GkeflowActivities } from '../../src/contract/activities';
import { startEmulator, type RunningEmulator } from '../../src/emulator/server';
import { kwokToolchain } from './kwok-toolchain';
import { readEndpoints } from '../../src/config/endpoints';
import type { TemporalConfig } from '../../src/temporal/connection';
import { startTestRegistry, type TestRegistry } from './registry-server';
import { testTemporalAddress, uniqueTaskQueue } from './temporal';

export interface LocalCloud {
  client: Client;
  cfg: TemporalConfig;
  emulator: RunningEmulator;
  registry: TestRegistry;
  /** GET on the emulator's admin endpoint. */
  admin<T>(pathname: string): Promise<T>;
  /** Replaces the emulator's fault rules. */
  setFaults(rules: unknown[]): Promise<void>;
  stop(): Promise<void>;
}

export type ActivityWrapper = (
  name: keyof GkeflowActivities,
  real: (...args: unknown[]) => Promise<unknown>,
) => (...args: unknown[]) => Promise<unknown>;

export interface LocalCloudOptions {
  /** The emulator requires this access token, and also serves the registry front (Artifact Registry's Docker endpoint). */
  requireAuth?: string;
  /** The worker's target (default: the local target on these services). */
  target?: (emulator: RunningEmulator, registry: TestRegistry) => TargetConfig;
}

/** Starts the local cloud; `wrapper()` is consulted on every activity call (default: pass through). */
export async function startLocalCloud(
  wrapper: () => ActivityWrapper | undefined,
  opts: LocalCloudOptions = {},
): Promise<LocalCloud> {
  const address = await testTemporalAddress();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-e2e-'));
  const registry = await startTestRegistry();
  const emulator = await startEmulator({
    port: 0,
    adminPort: 0,
    stateDir,
    controlPlane: 'kwok',
    speed: 10,
    toolchain: kwokToolchain,
    ...(opts.requireAuth ? { requireAuth: opts.requireAuth, registry: { port: 0, backend: registry.backend } } : {}),
  });
  const { activities, close } = activitiesForTarget(
    opts.target?.(emulator, registry) ?? {
      target: 'local',
      emulatorAddress: emulator.address,
      registryAddress: registry.address,
    },
  );
  const wrapped = Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        const w = wrapper();
        const real = fn as (...a: unknown[]) => Promise<unknown>;
        return w ? w(name as keyof GkeflowActivities, real)(...args) : real(...args);
      },
    ]),
  );
  const taskQueue = uniqueTaskQueue('e2e');
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../../src/workflows'),
    activities: wrapped,
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const adminUrl = `http://127.0.0.1:${emulator.adminPort}`;
  return {
    client,
    cfg: { address, namespace: 'default', taskQueue, uiUrl: readEndpoints({}).uiUrl },
    emulator,
    registry,
    admin: async (p) => (await (await fetch(`${adminUrl}${p}`)).json()) as never,
    setFaults: async (rules) => {
      const res = await fetch(`${adminUrl}/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rules }),
      });
      if (!res.ok) throw new Error(`PUT /faults: ${res.status} ${await res.text()}`);
    },
    stop: async () => {
      worker.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
      await close();
      await emulator.stop();
      await registry.stop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
