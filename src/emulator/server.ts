/**
 * The embeddable GKE emulator: `startEmulator({port: 0, stateDir, …})` serves
 * google.container.v1.ClusterManager over gRPC on 127.0.0.1 plus an admin HTTP endpoint, and
 * restores the clusters found in stateDir (their control planes restarted).
 */
import type http from 'node:http';
import { Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';
import { startAdmin } from './admin';
import { addArtifactRegistry, type LocalArtifactRegistryOptions } from './artifact-registry';
import { canBind } from '../process/process';
import { PORT_ENV } from '../config/endpoints';
import { clusterManagerImplementation } from './gke/api';
import { clusterManagerService } from './gke/api/proto';
import { resolveSettings, type EmulatorOptions } from './settings';
import type { Core } from './gke/context';
import { FaultInjector } from './faults';
import { Operations } from './gke/operations';
import { recover, resetAll, stopControlPlanes } from './gke/recovery';
import { KwokRuntime, NoControlPlaneRuntime } from './runtime';
import { DataPlane } from './dataplane';
import { EmulatorStore } from './store/store';
import { lockStateDir } from './store/state-lock';

export type { EmulatorOptions } from './settings';

/** A running emulator. */
export interface RunningEmulator {
  /** gRPC port on 127.0.0.1. */
  port: number;
  /** Admin HTTP port on 127.0.0.1. */
  adminPort: number;
  /** `127.0.0.1:<port>`, for clients. */
  address: string;
  /** `127.0.0.1:<port>` of the local Artifact Registry's Docker endpoint, when options.registry is given. */
  registryAddress?: string;
  /** Resolves when no operation is running (tests). */
  idle(): Promise<void>;
  /**
   * Stops serving, suspends running operations (kept unfinished in the state file, resumed under
   * their names by the next start), stops the control planes (their state is kept), saves.
   */
  stop(): Promise<void>;
}

/** Thrown by startEmulator when its gRPC or admin port is taken; names the env var that moves it. */
export class EmulatorPortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly envVar: string,
  ) {
    super(
      `port 127.0.0.1:${port} is already in use; stop whatever holds it or set ${envVar} (or the matching flag) to a free port`,
    );
    this.name = 'EmulatorPortInUseError';
  }
}

/** Starts an emulator; see EmulatorOptions for the knobs and docs/emulator.md for the guide. */
export async function startEmulator(o: EmulatorOptions & LocalArtifactRegistryOptions): Promise<RunningEmulator> {
  const settings = resolveSettings(o);
  // Fail before restarting any control plane.
  if (o.port && !(await canBind(o.port))) throw new EmulatorPortInUseError(o.port, PORT_ENV.emulator);
  if (o.adminPort && !(await canBind(o.adminPort)))
    throw new EmulatorPortInUseError(o.adminPort, PORT_ENV.emulatorAdmin);
  if (o.registry?.port && !(await canBind(o.registry.port)))
    throw new EmulatorPortInUseError(o.registry.port, PORT_ENV.registry);
  const log = o.log ?? (() => {});
  // One emulator per state dir: a second one would overwrite the first one's state file.
  const stateLock = lockStateDir(o.stateDir);
  try {
    return await serve(o, settings, log, stateLock.release);
  } catch (e) {
    stateLock.release();
    throw e;
  }
}

/** The emulator on a state dir this process holds; `release` gives the dir back once stopped. */
async function serve(
  o: EmulatorOptions & LocalArtifactRegistryOptions,
  settings: ReturnType<typeof resolveSettings>,
  log: (line: string) => void,
  release: () => void,
): Promise<RunningEmulator> {
  const store = new EmulatorStore(o.stateDir, log);
  // Loopback load balancers and real demo pods for kwok clusters (the demo server is a toolchain component).
  const dataPlane = new DataPlane(async () => (o.toolchain ? (await o.toolchain(log)).demo : undefined), log);
  const core: Core = {
    store,
    ops: new Operations(store, () => core.settings),
    settings,
    faults: new FaultInjector(o.faults ?? [], o.seed ?? 1),
    runtimes: {
      // Clusters take the emulator's token only when it is fixed (see docs/emulator.md, "Auth").
      kwok: dataPlane.wrap(
        new KwokRuntime(
          o.stateDir,
          o.toolchain,
          log,
          typeof settings.requireAuth === 'string' ? settings.requireAuth : undefined,
        ),
      ),
      none: new NoControlPlaneRuntime(),
    },
    log,
  };
  await recover(core);

  const grpcServer = new Server({ 'grpc.max_receive_message_length': 64 << 20 });
  grpcServer.addService(clusterManagerService() as ServiceDefinition, clusterManagerImplementation(core));
  const ar = addArtifactRegistry(grpcServer, { ...o, requireAuth: () => core.settings.requireAuth, log });
  const port = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync(`127.0.0.1:${o.port ?? 0}`, ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  let admin: http.Server;
  try {
    admin = await startAdmin(core, o.adminPort ?? 0, () => resetAll(core));
  } catch (e) {
    grpcServer.forceShutdown();
    throw e;
  }
  const adminPort = (admin.address() as { port: number }).port;
  let front: Awaited<ReturnType<typeof ar.startFront>>;
  try {
    front = await ar.startFront();
  } catch (e) {
    grpcServer.forceShutdown();
    admin.close();
    if ((e as { code?: string }).code === 'EADDRINUSE')
      throw new EmulatorPortInUseError(o.registry?.port ?? 0, PORT_ENV.registry);
    throw e;
  }
  log(
    `GKE emulator serving google.container.v1.ClusterManager on 127.0.0.1:${port} ` +
      `(and google.devtools.artifactregistry.v1.ArtifactRegistry), admin on http://127.0.0.1:${adminPort}` +
      `${front ? `, the local Artifact Registry's Docker endpoint on http://${front.address}` : ''} ` +
      `(control plane: ${settings.controlPlane}, state: ${o.stateDir})`,
  );

  let stopped: Promise<void> | undefined;
  return {
    port,
    adminPort,
    address: `127.0.0.1:${port}`,
    registryAddress: front?.address,
    idle: () => core.ops.idle(),
    stop: () =>
      (stopped ??= (async () => {
        await new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()));
        const closed = new Promise<void>((resolve) => admin.close(() => resolve()));
        admin.closeAllConnections();
        await closed;
        await front?.close();
        await core.ops.suspendAll();
        await stopControlPlanes(core);
        await dataPlane.stop();
        store.flush();
        release();
      })()),
  };
}
