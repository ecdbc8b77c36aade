// Shared by the emulator tests: start an emulator in a temp state dir and build the official
// client against it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { v1 } from '@google-cloud/container';
import { grpc } from 'google-gax';
import {
  ZERO_DELAYS,
  type Delays,
  type EmulatorOptions,
  type LocalArtifactRegistryOptions,
  type RunningEmulator,
} from '../../src/emulator';
import { startLocalEmulator } from '../../src/stack/local-emulator';

export const PROJECT = 'gkeflow-test';
export const ZONE = 'us-central1-a';
export const parent = (location = ZONE, project = PROJECT) => `projects/${project}/locations/${location}`;
export const clusterName = (name: string, location = ZONE) => `${parent(location)}/clusters/${name}`;

const made: string[] = [];
// Emulators are stopped in each file's after hook; their state dirs go when the file's process exits.
process.once('exit', () => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A fresh state dir under the test tmp dir, removed when the test process exits. */
export function tempStateDir(prefix = 'emu-'): string {
  const dir = fs.mkdtempSync(path.join(process.env.GKEFLOW_TEST_TMP ?? os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/**
 * The delays a test emulator starts from: no injected time but a LoadBalancer's IP and its
 * release (500 ms each), so a kwok test still sees a Service pending before it gets its IP.
 */
export const TEST_DELAYS: Readonly<Delays> = Object.freeze({ ...ZERO_DELAYS, lbProvision: 500, lbRelease: 500 });

/**
 * The one way tests start an emulator (startLocalEmulator, as benches do): free ports, metadata
 * only (`controlPlane: 'none'`), TEST_DELAYS, the kwok toolchain from the cache when a cluster
 * gets a control plane, and a fresh state dir removed when the test process exits, each unless told otherwise. `delays`
 * replaces TEST_DELAYS as a whole and, as startEmulator takes it, overrides single delays of
 * the profile (`delays: {}` runs the profile's own, by default DEFAULT_DELAYS).
 */
export function emulator(o: Partial<EmulatorOptions & LocalArtifactRegistryOptions> = {}): Promise<RunningEmulator> {
  return startLocalEmulator({
    controlPlane: 'none',
    delays: { ...TEST_DELAYS },
    ...o,
    stateDir: o.stateDir ?? tempStateDir(),
  });
}

/** The official client, pointed at the emulator as docs/emulator.md shows. */
export function client(emu: { port: number }, extra: Record<string, unknown> = {}): v1.ClusterManagerClient {
  return new v1.ClusterManagerClient({
    apiEndpoint: '127.0.0.1',
    port: emu.port,
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: 'googleapis.com',
    projectId: PROJECT,
    ...extra,
  });
}

type Op = { name?: string | null; status?: unknown; error?: { code?: number | null; message?: string | null } | null };

/** Polls GetOperation until DONE; returns the final operation. */
export async function waitOp(c: v1.ClusterManagerClient, op: Op, location = ZONE, timeoutMs = 120_000): Promise<Op> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [o] = await c.getOperation({ name: `${parent(location)}/operations/${op.name}` });
    if (o.status === 'DONE') return o as Op;
    if (Date.now() > deadline)
      throw new Error(`operation ${op.name} not DONE after ${timeoutMs} ms (status ${String(o.status)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The gRPC status code of a rejected call. */
export async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    return (e as { code: number }).code;
  }
  throw new Error('expected the call to fail');
}
