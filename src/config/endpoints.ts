/**
 * Endpoints of the local stack: the one place that names its ports, addresses, task queues and
 * the env vars that move them. The stack, the Temporal connection, the clients, the emulator's
 * options and scripts/start.ts all read it; nothing else writes a default port or queue down.
 *
 * Exports (names are stable):
 * - `LOCAL_HOST`       '127.0.0.1', the only interface the local stack binds.
 * - `LOCAL_PORTS`      default port per service: temporal, ui, registry, emulator, emulatorAdmin, codec,
 *                      uiBackend.
 * - `PORT_ENV`         the env var that moves each of those ports.
 * - `ENDPOINT_ENV`     the env vars that point elsewhere: temporalAddress, uiUrl, emulatorAddress,
 *                      registryAddress, taskQueue.
 * - `TASK_QUEUES`      default task queue per target: local, gcp.
 * - `localAddress(port)`  `127.0.0.1:<port>`.
 * - `readEndpoints(env?, flags?)`    flags, then env, then defaults; validated and frozen; a bad
 *                      value is a UsageError (exit 2) naming each bad variable at once.
 * - `checkEndpoints(env?, flags?)`   the same read, returning the problems instead of throwing,
 *                      for callers that report them together with their own.
 * - `taskQueueFor(target, endpoints)` the explicit queue (GKEFLOW_TASK_QUEUE or a test's) else the
 *                      target's default.
 * - types `PortName`, `EndpointVar`, `EndpointFlags`, `Endpoints`, `TargetName`.
 *
 * | env var                      | what                                  | default                         |
 * |------------------------------|---------------------------------------|---------------------------------|
 * | GKEFLOW_TEMPORAL_PORT        | Temporal frontend port (stack)        | LOCAL_PORTS.temporal            |
 * | GKEFLOW_UI_PORT              | Temporal Web UI port (stack)          | LOCAL_PORTS.ui                  |
 * | GKEFLOW_REGISTRY_PORT        | OCI registry port (stack)             | LOCAL_PORTS.registry            |
 * | GKEFLOW_EMULATOR_PORT        | GKE emulator gRPC port (stack)        | LOCAL_PORTS.emulator            |
 * | GKEFLOW_EMULATOR_ADMIN_PORT  | GKE emulator admin HTTP port (stack)  | LOCAL_PORTS.emulatorAdmin       |
 * | GKEFLOW_CODEC_PORT           | payload codec server for the Web UI   | LOCAL_PORTS.codec               |
 * | GKEFLOW_UI_BACKEND_PORT      | the dev server's UI, behind the front | LOCAL_PORTS.uiBackend           |
 * | TEMPORAL_ADDRESS             | host[:port] of any Temporal frontend  | 127.0.0.1:<temporal port>       |
 * | GKEFLOW_UI_URL               | Web UI base URL for printed links     | http://127.0.0.1:<ui port>      |
 * | GKEFLOW_EMULATOR_ADDRESS     | host:port of the GKE emulator         | 127.0.0.1:<emulator port>       |
 * | GKEFLOW_REGISTRY_ADDRESS     | host:port of the OCI registry         | 127.0.0.1:<registry port>       |
 * | GKEFLOW_TASK_QUEUE           | task queue for every target           | TASK_QUEUES[target]             |
 */
import { UsageError } from './errors';

/** The only interface the local stack binds and the default host of every local address. */
export const LOCAL_HOST = '127.0.0.1';

/** Default port of each local service. */
export const LOCAL_PORTS = Object.freeze({
  temporal: 7233,
  ui: 8233,
  registry: 5000,
  emulator: 8090,
  emulatorAdmin: 8091,
  codec: 8092,
  /** The dev server's own Web UI, behind the codec server's front on `ui` (src/codec/ui-front). */
  uiBackend: 8234,
} as const);

export type PortName = keyof typeof LOCAL_PORTS;

/** The env var that moves each port of the local stack. */
export const PORT_ENV = Object.freeze({
  temporal: 'GKEFLOW_TEMPORAL_PORT',
  ui: 'GKEFLOW_UI_PORT',
  registry: 'GKEFLOW_REGISTRY_PORT',
  emulator: 'GKEFLOW_EMULATOR_PORT',
  emulatorAdmin: 'GKEFLOW_EMULATOR_ADMIN_PORT',
  codec: 'GKEFLOW_CODEC_PORT',
  uiBackend: 'GKEFLOW_UI_BACKEND_PORT',
} as const satisfies Record<PortName, string>);

/** Env vars that point a client at a service anywhere, overriding the local address. */
export const ENDPOINT_ENV = Object.freeze({
  temporalAddress: 'TEMPORAL_ADDRESS',
  uiUrl: 'GKEFLOW_UI_URL',
  emulatorAddress: 'GKEFLOW_EMULATOR_ADDRESS',
  registryAddress: 'GKEFLOW_REGISTRY_ADDRESS',
  taskQueue: 'GKEFLOW_TASK_QUEUE',
} as const);

export type TargetName = 'local' | 'gcp';

/**
 * Default task queue per target: local and gcp workers poll different queues, so a spec for one
 * target is never run by the other's worker.
 */
export const TASK_QUEUES = Object.freeze({ local: 'gkeflow', gcp: 'gkeflow-gcp' } as const satisfies Record<
  TargetName,
  string
>);

/** Every variable this module reads. */
export type EndpointVar = (typeof PORT_ENV)[PortName] | (typeof ENDPOINT_ENV)[keyof typeof ENDPOINT_ENV];

/** Values given on a command line, keyed by the variable they stand for; they beat the env. */
export type EndpointFlags = Partial<Record<EndpointVar, string>>;

/** Where the local stack's services listen and where clients reach them. */
export interface Endpoints {
  /** Ports the local stack binds on LOCAL_HOST. */
  readonly ports: Readonly<Record<PortName, number>>;
  /** host[:port] of the Temporal frontend: TEMPORAL_ADDRESS else the local one. */
  readonly temporalAddress: string;
  /** Base URL of the Web UI for printed links, without a trailing slash. */
  readonly uiUrl: string;
  /** host:port of the GKE emulator (local target). */
  readonly emulatorAddress: string;
  /** host:port of the OCI registry (local target). */
  readonly registryAddress: string;
  /** An explicit task queue for every target; see taskQueueFor. */
  readonly taskQueue?: string;
}

/** `127.0.0.1:<port>`. */
export const localAddress = (port: number): string => `${LOCAL_HOST}:${port}`;

const HOST_PORT_RE = /^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;
// Temporal's SDK adds its default port to a bare host.
const HOST_OPT_PORT_RE = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:]+\](:\d{1,5})?$/;

/** Reads and checks the endpoints; `problems` is empty when every value is well-formed. */
export function checkEndpoints(
  env: NodeJS.ProcessEnv = process.env,
  flags: EndpointFlags = {},
): { endpoints: Endpoints; problems: string[] } {
  const problems: string[] = [];
  const get = (name: EndpointVar): string | undefined => {
    const v = flags[name] ?? env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const port = (key: PortName): number => {
    const name = PORT_ENV[key];
    const raw = get(name);
    if (raw === undefined) return LOCAL_PORTS[key];
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 65535) problems.push(`${name}=${raw}: must be a port number 1..65535`);
    return n;
  };
  const ports = Object.freeze({
    temporal: port('temporal'),
    ui: port('ui'),
    registry: port('registry'),
    emulator: port('emulator'),
    emulatorAdmin: port('emulatorAdmin'),
    codec: port('codec'),
    uiBackend: port('uiBackend'),
  });
  const address = (
    key: 'temporalAddress' | 'emulatorAddress' | 'registryAddress',
    local: number,
    re: RegExp,
  ): string => {
    const name = ENDPOINT_ENV[key];
    const v = get(name) ?? localAddress(local);
    if (!re.test(v)) problems.push(`${name} must be host:port (got '${v}')`);
    return v;
  };
  const emulatorAddress = address('emulatorAddress', ports.emulator, HOST_PORT_RE);
  const registryAddress = address('registryAddress', ports.registry, HOST_PORT_RE);
  const temporalAddress = address('temporalAddress', ports.temporal, HOST_OPT_PORT_RE);
  const uiUrl = (get(ENDPOINT_ENV.uiUrl) ?? `http://${localAddress(ports.ui)}`).replace(/\/$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(uiUrl))
    problems.push(`${ENDPOINT_ENV.uiUrl} must be an http(s) URL (got '${uiUrl}')`);
  const taskQueue = get(ENDPOINT_ENV.taskQueue);
  const endpoints: Endpoints = Object.freeze({
    ports,
    temporalAddress,
    uiUrl,
    emulatorAddress,
    registryAddress,
    ...(taskQueue ? { taskQueue } : {}),
  });
  return { endpoints, problems };
}

/** Reads the endpoints: flags, then env, then defaults. Every malformed value is one UsageError. */
export function readEndpoints(env: NodeJS.ProcessEnv = process.env, flags: EndpointFlags = {}): Endpoints {
  const { endpoints, problems } = checkEndpoints(env, flags);
  if (problems.length) throw new UsageError(problems.join('; '));
  return endpoints;
}

/** The task queue of a target: an explicit one (GKEFLOW_TASK_QUEUE or a test's) else the target's default. */
export function taskQueueFor(target: TargetName, cfg: { readonly taskQueue?: string }): string {
  return cfg.taskQueue ?? TASK_QUEUES[target];
}
