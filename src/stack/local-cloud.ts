/**
 * The whole local cloud in one process, for end-to-end tests and benches, all real: the run's
 * Temporal dev server, a CNCF registry, the GKE emulator with kwok control planes, and a worker
 * running the real workflows and activities on its own task queue. `around` sees every activity
 * call (a test injects a fault into one, a bench times them) while the rest reach the real systems.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { activitiesForTarget } from '../activities';
import type { GkeflowActivities } from '../contract/activities';
import type { TargetConfig } from '../clients/config';
import { readEndpoints } from '../config/endpoints';
import type { EmulatorOptions, RunningEmulator } from '../emulator';
import type { TemporalConfig } from '../temporal/connection';
import { startLocalEmulator } from './local-emulator';
import { startLocalRegistry, type LocalRegistry } from './local-registry';
import { localTemporalAddress, uniqueTaskQueue } from './local-temporal';
import { workflowBundlerOptions } from '../workflow-source';

/** One activity function as the worker calls it. */
export type ActivityFn = (...args: unknown[]) => Promise<unknown>;

export interface LocalCloudOptions {
  /** Emulator options over startLocalEmulator's (kwok control planes, the profile's delays). */
  emulator?: Partial<EmulatorOptions>;
  /** The emulator requires this access token, and also serves the registry front (Artifact Registry's Docker endpoint). */
  requireAuth?: string;
  /** The worker's target (default: the local target on these services). */
  target?: (emulator: RunningEmulator, registry: LocalRegistry) => TargetConfig;
  /** Runs every activity call (default: the real function on its arguments). */
  around?: (name: keyof GkeflowActivities, real: ActivityFn, args: unknown[]) => Promise<unknown>;
  /** A prebuilt workflow bundle (default: the worker bundles src/workflows itself). */
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Task queue prefix (default `local`). */
  taskQueuePrefix?: string;
}

export interface LocalCloud {
  client: Client;
  cfg: TemporalConfig;
  emulator: RunningEmulator;
  registry: LocalRegistry;
  target: TargetConfig;
  /** The real activities the worker wraps. */
  activities: GkeflowActivities;
  /** The emulator's state dir (its kwok clusters live under `kwok/`). */
  stateDir: string;
  /** GET on the emulator's admin endpoint. */
  admin<T>(pathname: string): Promise<T>;
  /** Replaces the emulator's fault rules. */
  setFaults(rules: unknown[]): Promise<void>;
  /** Deletes every cluster (the admin endpoint's POST /reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the local cloud; stop() takes it down and removes its state. */
export async function startLocalCloud(opts: LocalCloudOptions = {}): Promise<LocalCloud> {
  const address = await localTemporalAddress();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-local-cloud-'));
  const registry = await startLocalRegistry();
  const emulator = await startLocalEmulator({
    ...opts.emulator,
    stateDir,
    ...(opts.requireAuth ? { requireAuth: opts.requireAuth, registry: { port: 0, backend: registry.backend } } : {}),
  });
  const target = opts.target?.(emulator, registry) ?? {
    target: 'local',
    emulatorAddress: emulator.address,
    registryAddress: registry.address,
  };
  const { activities, close } = activitiesForTarget(target);
  const around = opts.around ?? ((_name, real, args) => real(...args));
  const wrapped = Object.fromEntries(
    Object.entries(activities).map(([name, fn]) => [
      name,
      (...args: unknown[]) => around(name as keyof GkeflowActivities, fn as ActivityFn, args),
    ]),
  );
  const taskQueue = uniqueTaskQueue(opts.taskQueuePrefix ?? 'local');
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    ...(opts.workflowBundle
      ? { workflowBundle: opts.workflowBundle }
      : { workflowsPath: require.resolve('../workflows'), bundlerOptions: workflowBundlerOptions() }),
    activities: wrapped,
  });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const adminUrl = `http://127.0.0.1:${emulator.adminPort}`;
  const change = async (method: string, p: string, body?: unknown) => {
    // The admin endpoint takes changes as JSON only (a form POST from a web page must not change it).
    const res = await fetch(`${adminUrl}${p}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  };
  return {
    client: new Client({ connection }),
    cfg: { address, namespace: 'default', taskQueue, uiUrl: readEndpoints({}).uiUrl },
    emulator,
    registry,
    target,
    activities,
    stateDir,
    admin: async (p) => (await (await fetch(`${adminUrl}${p}`)).json()) as never,
    setFaults: (rules) => change('PUT', '/faults', { rules }),
    reset: () => change('POST', '/reset'),
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
