import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Toolchain } from '../toolchain/toolchain';
import { ENDPOINT_ENV, localAddress, PORT_ENV, type PortName } from '../config/endpoints';
import { withWorkerProcessEnv } from '../config/worker-settings';
import { REGISTRY_FRONT_ENV } from '../emulator/artifact-registry/options';
import type { StackConfig } from './config';
import { entryArgs, repoRoot } from '../paths';
import { portOpen } from '../process/process';
import { CODEC_ENV, localKeyFile, localTokenFile } from '../codec/keys';
import { CODEC_PATH } from '../codec/ui-front';
import { temporalArgs, temporalHealthy, workerPolling } from './temporal-server';

/** How the stack starts one long-running process and knows it is healthy. */
export interface Service {
  name: string;
  /** Ports it binds, each with what it is (for the port-in-use error). */
  ports: Array<{ key: PortName; what: string }>;
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
    { key: 'temporal', what: 'the Temporal frontend' },
    { key: 'uiBackend', what: "the dev server's Web UI (behind the codec server's front)" },
  ],
  address: (c) => `${localAddress(c.ports.temporal)} (Web UI http://${localAddress(c.ports.ui)})`,
  command: (c, tc) => ({
    cmd: tc.temporal,
    args: temporalArgs({
      binary: tc.temporal,
      port: c.ports.temporal,
      uiPort: c.ports.uiBackend,
      dbFile: path.join(c.stateDir, 'temporal.db'),
      // The front on the UI's port serves the codec under the UI's origin (no secret in this URL).
      uiCodecEndpoint: `http://${localAddress(c.ports.ui)}${CODEC_PATH}`,
      logFile: '',
      detached: true,
    }),
    env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
  }),
  healthy: (c) => temporalHealthy(localAddress(c.ports.temporal)),
  timeoutMs: 90_000,
};

/**
 * Config for the CNCF distribution registry: loopback only (a port, or a unix socket path when
 * it sits behind the local Artifact Registry's front), storage in the state dir, deletes allowed.
 */
export function registryConfig(listen: number | string, storageDir: string): string {
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
    ...(typeof listen === 'string'
      ? ['  net: unix', `  addr: ${JSON.stringify(listen)}`]
      : [`  addr: ${localAddress(listen)}`]),
    '',
  ].join('\n');
}

/** Where the CNCF registry listens: a socket in the state dir, reached only through the emulator's registry front. */
const registrySocket = (c: StackConfig) => path.join(c.stateDir, 'registry.sock');

/** The CNCF registry: the storage of the local Artifact Registry, whose front (in the emulator) holds the registry port. */
const registry: Service = {
  name: 'registry',
  ports: [],
  address: (c) => `http://${localAddress(c.ports.registry)}`,
  command: (c, tc) => {
    const file = path.join(c.stateDir, 'registry.yml');
    fs.rmSync(registrySocket(c), { force: true });
    fs.writeFileSync(file, registryConfig(registrySocket(c), path.join(c.stateDir, 'registry')));
    return { cmd: tc.registry, args: ['serve', file], env: { ...process.env, OTEL_TRACES_EXPORTER: 'none' } };
  },
  healthy: (c) =>
    new Promise<boolean>((resolve) => {
      const req = http.get({ socketPath: registrySocket(c), path: '/v2/' }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
    }),
  timeoutMs: 30_000,
};

const emulator: Service = {
  name: 'gke-emulator',
  ports: [
    { key: 'emulator', what: 'the GKE emulator (gRPC)' },
    { key: 'emulatorAdmin', what: 'the GKE emulator admin endpoint' },
    { key: 'registry', what: 'the image registry' },
  ],
  address: (c) => `${localAddress(c.ports.emulator)} (admin http://${localAddress(c.ports.emulatorAdmin)})`,
  command: (c) => ({
    cmd: process.execPath,
    args: entryArgs('emulator/main'),
    cwd: repoRoot, // where `--import tsx` resolves in a checkout
    env: {
      ...process.env,
      [PORT_ENV.emulator]: String(c.ports.emulator),
      [PORT_ENV.emulatorAdmin]: String(c.ports.emulatorAdmin),
      GKEFLOW_EMULATOR_STATE_DIR: path.join(c.stateDir, 'emulator'),
      // The local Artifact Registry's Docker endpoint on the registry port, over the CNCF registry's socket.
      [REGISTRY_FRONT_ENV.port]: String(c.ports.registry),
      [REGISTRY_FRONT_ENV.backend]: `unix:${registrySocket(c)}`,
    },
  }),
  healthy: async (c) => (await portOpen(c.ports.emulator)) && portOpen(c.ports.registry),
  timeoutMs: 120_000,
};

// Payloads are encrypted with the state dir's key (made by `stack up`). The codec server also holds
// the Web UI's port: a front that asks for the token (a 0600 file; only its path is in argv) and
// serves the codec under the UI's origin, so only the token holder's browser decodes.
const codecServer: Service = {
  name: 'codec-server',
  ports: [
    { key: 'codec', what: 'the payload codec server' },
    { key: 'ui', what: 'the Temporal Web UI (its login front)' },
  ],
  address: (c) => `http://${localAddress(c.ports.codec)} (Web UI login http://${localAddress(c.ports.ui)})`,
  command: (c) => ({
    cmd: process.execPath,
    args: [
      ...entryArgs('cli/main'),
      'codec-server',
      '--token-file',
      localTokenFile(c.stateDir),
      '--ui-port',
      String(c.ports.ui),
      '--ui-backend',
      `http://${localAddress(c.ports.uiBackend)}`,
    ],
    cwd: repoRoot,
    env: {
      ...process.env,
      [CODEC_ENV.keyFile]: localKeyFile(c.stateDir),
      [CODEC_ENV.mode]: '', // serves the key even where clients turned encryption off
      [PORT_ENV.codec]: String(c.ports.codec),
      [ENDPOINT_ENV.uiUrl]: `http://${localAddress(c.ports.ui)}`,
    },
  }),
  healthy: async (c) => (await portOpen(c.ports.codec)) && portOpen(c.ports.ui),
  timeoutMs: 60_000,
};

const worker: Service = {
  name: 'worker',
  ports: [],
  address: (c) => `task queue ${c.taskQueue} on ${localAddress(c.ports.temporal)}`,
  command: (c) => ({
    cmd: process.execPath,
    args: entryArgs('worker'),
    cwd: repoRoot,
    // The process environment the worker image gives it (malloc arenas, V8's young generation).
    env: withWorkerProcessEnv({
      ...process.env,
      // The stack's worker serves the local target on the stack's own services and queue.
      GKEFLOW_TARGET: 'local',
      [ENDPOINT_ENV.taskQueue]: c.taskQueue,
      [ENDPOINT_ENV.temporalAddress]: localAddress(c.ports.temporal),
      [ENDPOINT_ENV.emulatorAddress]: localAddress(c.ports.emulator),
      [ENDPOINT_ENV.registryAddress]: localAddress(c.ports.registry),
      // `stack up` makes the key; a worker started without it (tests) keeps payloads plain.
      ...(fs.existsSync(localKeyFile(c.stateDir)) ? { [CODEC_ENV.keyFile]: localKeyFile(c.stateDir) } : {}),
    }),
  }),
  // The worker has no port: healthy once a poller with its identity (`<pid>@host`) polls the queue.
  healthy: (c, pid) => workerPolling(localAddress(c.ports.temporal), c.taskQueue, pid),
  timeoutMs: 120_000,
};

/** The services of the local stack in start order (the worker needs the others). */
export function stackServices(): Service[] {
  return [temporal, registry, emulator, codecServer, worker];
}
