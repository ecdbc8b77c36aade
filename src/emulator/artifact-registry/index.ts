/**
 * The local Artifact Registry: its API on the emulator's gRPC server, and (given the CNCF
 * registry underneath) the Docker endpoint on the registry port, both over one repositories store.
 */
import path from 'node:path';
import type { Server } from '@grpc/grpc-js';
import type { BackendAddress } from './backend';
import { artifactRegistryService } from './proto';
import { startRegistryFront, type RunningRegistryFront } from './registry-front';
import { ArtifactRepositories } from './repositories';
import { artifactRegistryImplementation } from './service';

export type { BackendAddress } from './backend';
export { startRegistryFront, type RunningRegistryFront } from './registry-front';
export { ArtifactRepositories } from './repositories';

/** What startEmulator takes to also serve the registry port. */
export interface LocalArtifactRegistryOptions {
  /** Serve the Docker endpoint on `port` (0: a free one) in front of the CNCF registry at `backend`. */
  registry?: { port?: number; backend: BackendAddress };
}

/**
 * Registers the Artifact Registry API on the emulator's gRPC server; `startFront` then opens
 * the Docker endpoint when the options name a backend (undefined otherwise).
 */
export function addArtifactRegistry(
  server: Server,
  o: LocalArtifactRegistryOptions & {
    stateDir: string;
    requireAuth: () => boolean | string;
    log: (line: string) => void;
  },
): { repositories: ArtifactRepositories; startFront(): Promise<RunningRegistryFront | undefined> } {
  const repositories = new ArtifactRepositories(path.join(o.stateDir, 'artifact-registry'));
  const backend = o.registry?.backend;
  server.addService(
    artifactRegistryService(),
    artifactRegistryImplementation({ repositories, backend, requireAuth: o.requireAuth, log: o.log }),
  );
  return {
    repositories,
    startFront: async () =>
      backend
        ? startRegistryFront({
            port: o.registry?.port ?? 0,
            backend,
            repositoryExists: (p) => repositories.forImagePath(p) !== undefined,
            onManifest: repositories.onManifest,
            requireAuth: o.requireAuth,
            log: o.log,
          })
        : undefined,
  };
}
