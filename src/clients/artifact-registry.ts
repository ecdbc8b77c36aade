/**
 * The Artifact Registry API client of a target: the official @google-cloud/artifact-registry
 * client, pointed at the local emulator's gRPC port (insecure loopback, where the local
 * Artifact Registry API sits beside ClusterManager) or at artifactregistry.googleapis.com (TLS).
 * Calls carry the same auth headers as the GKE client's (authCallOptions).
 */
import { v1 } from '@google-cloud/artifact-registry';
import type { TargetConfig } from './config';
import { authCallOptions, googleApiClientOptions } from './gke';

export const ARTIFACT_REGISTRY_API_ENDPOINT = 'artifactregistry.googleapis.com';

/** A repository as the activities need it. */
export interface RepositoryInfo {
  name: string;
  labels: Record<string, string>;
  /** Creation time, epoch ms (0 when the API did not say). */
  createdAtMs: number;
}

/** The Artifact Registry calls the activities use; names are full resource names. */
export interface ArtifactRegistryApi {
  /** The repository, or undefined when it does not exist. */
  getRepository(name: string): Promise<RepositoryInfo | undefined>;
  createRepository(parent: string, id: string, labels: Record<string, string>): Promise<void>;
  deleteRepository(name: string): Promise<void>;
  /** The repositories under `projects/P/locations/L` (every page; `L` = `-`: every location). */
  listRepositories(parent: string): Promise<RepositoryInfo[]>;
  /** How many images the repository holds. */
  countDockerImages(name: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * The cleanup policy every repository gkeflow creates gets: Artifact Registry deletes versions
 * no tag points at once they are older than 35 days. deleteImageTag deletes a version itself
 * when its last tag goes; this catches the rest (a tag moved by a later push, a cleanup that
 * never ran), which would otherwise stay billed. 35 days is past the longest TTL (30 d), because
 * an environment pins its image by digest and may run on a version whose tag another push moved.
 */
export const UNTAGGED_CLEANUP_POLICY = {
  id: 'gkeflow-delete-untagged',
  action: 'DELETE',
  condition: { tagState: 'UNTAGGED', olderThan: { seconds: 35 * 24 * 3600 } },
} as const;

const NOT_FOUND = 5;
const UNIMPLEMENTED = 12;

type Timestamp = { seconds?: number | string | { toString(): string } | null; nanos?: number | null } | null;
const epochMs = (t: Timestamp | undefined): number =>
  t?.seconds != null ? Number(String(t.seconds)) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;
const infoOf = (
  r: { name?: string | null; labels?: Record<string, string> | null; createTime?: Timestamp },
  name = '',
) => ({
  name: r.name ?? name,
  labels: { ...(r.labels ?? {}) },
  createdAtMs: epochMs(r.createTime),
});

/** Builds the Artifact Registry client of a target. Errors are the client's (map them with artifactRegistryError). */
export function createArtifactRegistryApi(config: TargetConfig): ArtifactRegistryApi {
  const client = new v1.ArtifactRegistryClient(
    googleApiClientOptions(config, ARTIFACT_REGISTRY_API_ENDPOINT, config.gcpOverrides?.artifactRegistry),
  );
  const opts = authCallOptions(config);
  return {
    getRepository: async (name) => {
      try {
        const [r] = await client.getRepository({ name }, await opts());
        return infoOf(r, name);
      } catch (e) {
        if ((e as { code?: number }).code === NOT_FOUND) return undefined;
        throw e;
      }
    },
    createRepository: async (parent, id, labels) => {
      const [op] = await client.createRepository(
        {
          parent,
          repositoryId: id,
          repository: {
            format: 'DOCKER',
            labels,
            cleanupPolicies: { [UNTAGGED_CLEANUP_POLICY.id]: UNTAGGED_CLEANUP_POLICY },
            cleanupPolicyDryRun: false,
          },
        },
        await opts(),
      );
      await op.promise();
    },
    deleteRepository: async (name) => {
      const [op] = await client.deleteRepository({ name }, await opts());
      await op.promise();
    },
    listRepositories: async (parent) => {
      const list = async (p: string) =>
        (await client.listRepositories({ parent: p }, await opts()))[0].map((r) => infoOf(r));
      const all = /^(projects\/[^/]+)\/locations\/-$/.exec(parent);
      if (!all) return list(parent);
      // Every location: each one Artifact Registry names (ListLocations); the local emulator has
      // no Locations service (UNIMPLEMENTED) and takes `-` itself.
      const locations: string[] = [];
      try {
        for await (const l of client.listLocationsAsync({ name: all[1] }, await opts()))
          if (l.locationId) locations.push(l.locationId);
      } catch (e) {
        if ((e as { code?: number }).code === UNIMPLEMENTED) return list(parent);
        throw e;
      }
      const out: RepositoryInfo[] = [];
      for (const l of locations) out.push(...(await list(`${all[1]}/locations/${l}`)));
      return out;
    },
    countDockerImages: async (name) => (await client.listDockerImages({ parent: name }, await opts()))[0].length,
    close: () => client.close(),
  };
}
