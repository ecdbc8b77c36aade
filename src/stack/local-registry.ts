/**
 * The local Artifact Registry's Docker endpoint for tests and benches (run in process, not by
 * `gkeflow stack up`): a real CNCF distribution registry
 * (the cached toolchain binary on a free loopback port, temp storage, the stack's own config)
 * behind the registry front that refuses chunked uploads as Artifact Registry does. With
 * `repositories`, the front also refuses pushes into any repository not in that store (the
 * listed `project/repository` paths are created first); with `requireAuth`, it challenges for a
 * token at /v2/token. Stopped by stop().
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ArtifactRepositories, startRegistryFront } from '../emulator/artifact-registry';
import { registryConfig } from './services';
import { ensureToolchain } from '../toolchain/toolchain';
import { freePort, startProcess, stopProcess, waitUntil } from '../process/process';

export interface LocalRegistry {
  /** host:port of the front: what gkeflow and tests push to. */
  address: string;
  /** `http://host:port` of the CNCF registry underneath (no checks, no auth). */
  backend: string;
  /** The repositories the front checks pushes against (only consulted with `repositories`). */
  repositories: ArtifactRepositories;
  dir: string;
  stop(): Promise<void>;
}

export interface LocalRegistryOptions {
  /** Refuse pushes outside these `project/repository` paths (created in `location`, default us). */
  repositories?: string[];
  location?: string;
  /** false (default): open; true: any access token; a string: that one. */
  requireAuth?: boolean | string;
}

/** Starts the CNCF registry and its front. */
export async function startLocalRegistry(o: LocalRegistryOptions = {}): Promise<LocalRegistry> {
  const tc = await ensureToolchain({ only: ['registry'], log: (l) => console.error(`[toolchain] ${l}`) });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-registry-'));
  const port = await freePort();
  const file = path.join(dir, 'registry.yml');
  fs.writeFileSync(file, registryConfig(port, path.join(dir, 'storage')));
  const pid = startProcess({
    cmd: tc.registry,
    args: ['serve', file],
    logFile: path.join(dir, 'registry.log'),
    env: { ...process.env, OTEL_TRACES_EXPORTER: 'none' },
    detached: false,
  });
  const up = await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/v2/`)).status < 500, 20_000, 100);
  if (!up) {
    await stopProcess(pid);
    throw new Error(`registry did not start: ${fs.readFileSync(path.join(dir, 'registry.log'), 'utf8').slice(-2000)}`);
  }
  const repositories = new ArtifactRepositories();
  for (const p of o.repositories ?? []) {
    const [project, id] = p.split('/');
    repositories.create(`projects/${project}/locations/${o.location ?? 'us'}`, id ?? '', {});
  }
  const backend = `http://127.0.0.1:${port}`;
  const front = await startRegistryFront({
    port: 0,
    backend,
    repositoryExists: o.repositories ? (p) => repositories.forImagePath(p) !== undefined : undefined,
    onManifest: repositories.onManifest,
    requireAuth: () => o.requireAuth ?? false,
  });
  return {
    address: front.address,
    backend,
    repositories,
    dir,
    stop: async () => {
      await front.close();
      await stopProcess(pid, 5000);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
