import fs from 'node:fs';
import path from 'node:path';
import type { Toolchain } from './toolchain';
import type { PORT_VARS} from './config';
import { type StackConfig } from './config';
import { repoRoot } from './paths';
import { portOpen } from '../process/process';
import { temporalArgs, temporalHealthy, workerPolling } from './temporal-server';

/** How the stack starts one long-running process and knows it is healthy. */
export interface Service {
  name: string;
  /** Ports it binds, each with what it is (for the port-in-use error). */
  ports: Array<{ key: keyof typeof PORT_VARS; what: string }>;
  /** Where users reach it, for `stack status`. */
  address(cfg: StackConfig): string;
  command(cfg: StackConfig, tc: Toolchain): { cmd: string; args: string[]; env?: NodeJS.ProcessEnv; cwd?: string };
  /** pid: the process `up` started, when known. */
  healthy(cfg: StackConfig, pid?: number): Promise<boolean>;
  /** How long `up` waits for health. */
  timeoutMs: number;
}


const temporal: Service = {
  name: 'temporal',
  ports: [
    { key: 'temporalPort', what: 'the Temporal frontend' },
    { key: 'uiPort', what: 'the Temporal Web UI' },
  ],
  address: (c) => `127.0.0.1:${c.temporalPort} (Web UI http://127.0.0.1:${c.uiPort})`,
  command: (c, tc) => ({
    cmd: tc.temporal,
    args: temporalArgs({ binary: tc.temporal, port: c.temporalPort, uiPort: c.uiPort, dbFile: path.join(c.stateDir, 'temporal.db'), logFile: '', detached: true }),
    env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
  }),
  healthy: (c) => temporalHealthy(`127.0.0.1:${c.temporalPort}`),
  timeoutMs: 90_000,
};

/** Config for the CNCF distribution registry: loopback only, storage in the state dir, deletes allowed. */
export function registryConfig(port: number, storageDir: string): string {
  return [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(storageDir)}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n');
}

const registry: Service = {
  name: 'registry',
  ports: [{ key: 'registryPort', what: 'the image registry' }],
  address: (c) => `http://127.0.0.1:${c.registryPort}`,
  command: (c, tc) => {
    const file = path.join(c.stateDir, 'registry.yml');
    fs.writeFileSync(file, registryConfig(c.registryPort, path.join(c.stateDir, 'registry')));
    return { cmd: tc.registry, args: ['serve', file], env: { ...process.env, OTEL_TRACES_EXPORTER: 'none' } };
  },
  healthy: async (c) => (await fetch(`http://127.0.0.1:${c.registryPort}/v2/`)).status === 200,
  timeoutMs: 30_000,
};

const emulator: Service = {
  name: 'gke-emulator',
  ports: [
    { key: 'emulatorPort', what: 'the GKE emulator (gRPC)' },
    { key: 'emulatorAdminPort', what: 'the GKE emulator admin endpoint' },
  ],
  address: (c) => `127.0.0.1:${c.emulatorPort} (admin http://127.0.0.1:${c.emulatorAdminPort})`,
  command: (c) => ({
    cmd: process.execPath,
    args: ['--import', 'tsx', path.join(repoRoot, 'src', 'emulator', 'main.ts')],
    cwd: repoRoot, // where `--import tsx` resolves
    env: {
      ...process.env,
      GKEFLOW_EMULATOR_PORT: String(c.emulatorPort),
      GKEFLOW_EMULATOR_ADMIN_PORT: String(c.emulatorAdminPort),
      GKEFLOW_EMULATOR_STATE_DIR: path.join(c.stateDir, 'emulator'),
    },
  }),
  healthy: (c) => portOpen(c.emulatorPort),
  timeoutMs: 120_000,
};

const worker: Service = {
  name: 'worker',
  ports: [],
  address: (c) => `task queue gkeflow on 127.0.0.1:${c.temporalPort}`,
  command: (c) => ({
    cmd: process.execPath,
    args: ['--import', 'tsx', path.join(repoRoot, 'src', 'worker.ts')],
    cwd: repoRoot,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: `127.0.0.1:${c.temporalPort}`,
      GKEFLOW_EMULATOR_ADDRESS: `127.0.0.1:${c.emulatorPort}`,
      GKEFLOW_REGISTRY_ADDRESS: `127.0.0.1:${c.registryPort}`,
    },
  }),
  // The worker has no port: healthy once a poller with its identity (`<pid>@host`) polls the queue.
  healthy: (c, pid) => workerPolling(`127.0.0.1:${c.temporalPort}`, 'gkeflow', pid),
  timeoutMs: 120_000,
};

/** The services of the local stack in start order (the worker needs the others). */
export function stackServices(): Service[] {
  return [temporal, registry, emulator, worker];
}
