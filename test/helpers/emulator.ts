// Shared by the emulator tests: start an emulator in a temp state dir and build the official
// client against it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { v1 } from '@google-cloud/container';
import { grpc } from 'google-gax';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../../src/emulator/server';
import { kwokToolchain } from './kwok-toolchain';

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

/** Starts an emulator (metadata only and zero delays unless told otherwise). */
export function emulator(o: Partial<EmulatorOptions> = {}): Promise<RunningEmulator> {
  return startEmulator({
    port: 0,
    adminPort: 0,
    controlPlane: 'none',
    delays: { ...zero },
    toolchain: kwokToolchain,
    ...o,
    stateDir: o.stateDir ?? tempStateDir(),
  });
}

const zero = {
  operationPending: 0,
  createCluster: 0,
  deleteCluster: 0,
  updateCluster: 0,
  setLabels: 0,
  createNodePool: 0,
  deleteNodePool: 0,
  setNodePoolSize: 0,
  setNodePoolAutoscaling: 0,
  lbProvision: 500,
  lbRelease: 500,
  autoOperationAfterCreate: 0,
};

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
