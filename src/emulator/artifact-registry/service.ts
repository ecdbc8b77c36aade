/**
 * The Artifact Registry API of the local cloud (google.devtools.artifactregistry.v1): Create,
 * Get, List and DeleteRepository, ListDockerImages and DeleteTag, over the repositories store and
 * the CNCF registry underneath. Served on the emulator's gRPC port beside ClusterManager, with
 * the same authentication; other RPCs answer UNIMPLEMENTED. Tags and versions are apart, as in
 * Artifact Registry: DeleteTag only untags, and an untagged version is listed (and counted)
 * until it is deleted by digest or a repository's cleanup policy for untagged versions removes it.
 */
import crypto from 'node:crypto';
import { status, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { checkAuth } from '../auth';
import { ApiError, invalidArgument, notFound } from '../errors';
import { deleteVersion, imagesUnder, untag, type BackendAddress, type StoredImage } from './backend';
import { applyCleanupPolicies, cleanupPoliciesOf, cleanupPolicyMessages } from './cleanup-policies';
import { artifactRegistryService, packAny } from './proto';
import { parseRepositoryName, type ArtifactRepositories, type RepositoryRecord } from './repositories';

type Req = Record<string, unknown>;

export interface ArtifactRegistryDeps {
  repositories: ArtifactRepositories;
  /** The CNCF registry; undefined: the API knows repositories but no images. */
  backend?: BackendAddress;
  requireAuth: () => boolean | string;
  log: (line: string) => void;
}

const timestamp = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1e6 });

function repositoryMessage(r: RepositoryRecord) {
  return {
    name: r.name,
    format: r.format,
    mode: r.mode,
    description: r.description,
    labels: { ...r.labels },
    createTime: timestamp(r.createTime),
    updateTime: timestamp(r.createTime),
    ...(r.cleanupPolicies ? { cleanupPolicies: cleanupPolicyMessages(r.cleanupPolicies) } : {}),
  };
}

/** A long-running operation that is already done, as Artifact Registry returns for quick changes. */
function doneOperation(parent: string, response: ReturnType<typeof packAny>) {
  return { name: `${parent}/operations/${crypto.randomUUID()}`, done: true, response };
}

/** `…/repositories/R/packages/PKG/tags/TAG` → the repository name, image path and tag. */
function parseTagName(name: string): { repository: string; image: string; tag: string } {
  const m = /^(projects\/[^/]+\/locations\/[^/]+\/repositories\/[^/]+)\/packages\/([^/]+)\/tags\/([^/]+)$/.exec(name);
  if (!m) throw invalidArgument(`Invalid tag name "${name.slice(0, 200)}"`);
  return { repository: m[1]!, image: decodeURIComponent(m[2]!), tag: decodeURIComponent(m[3]!) };
}

const registryPath = (repositoryName: string) => {
  const { project, repository } = parseRepositoryName(repositoryName);
  return `${project}/${repository}`;
};

/** Every version of a repository, tagged or not, after its cleanup policies ran. */
async function versionsOf(
  { repositories, backend }: ArtifactRegistryDeps,
  name: string,
  now = Date.now(),
): Promise<StoredImage[]> {
  if (!backend) return [];
  const prefix = registryPath(name);
  const images = await imagesUnder(backend, prefix, repositories.versionsOf(name));
  const known = new Map(repositories.versionsOf(name).map((v) => [`${v.imagePath}@${v.digest}`, v.createTime]));
  const createdMs = (i: StoredImage) => known.get(`${prefix}/${i.image}@${i.digest}`);
  const doomed = applyCleanupPolicies(repositories.get(name).cleanupPolicies, images, createdMs, now);
  for (const i of doomed) {
    await deleteVersion(backend, `${prefix}/${i.image}`, i.digest);
    repositories.forgetVersion(`${prefix}/${i.image}`, i.digest);
  }
  return images.filter((i) => !doomed.includes(i));
}

type Handler = (deps: ArtifactRegistryDeps, req: Req) => unknown;

const handlers: Record<string, Handler> = {
  CreateRepository: ({ repositories }, req) => {
    const parent = String(req.parent ?? '');
    const fields = (req.repository ?? {}) as {
      format?: string;
      description?: string;
      labels?: Record<string, string>;
      cleanupPolicies?: Record<string, unknown>;
    };
    const created = repositories.create(parent, String(req.repositoryId ?? ''), {
      ...fields,
      cleanupPolicies: cleanupPoliciesOf(fields.cleanupPolicies),
    });
    return doneOperation(parent, packAny('Repository', repositoryMessage(created)));
  },
  GetRepository: ({ repositories }, req) => repositoryMessage(repositories.get(String(req.name ?? ''))),
  ListRepositories: ({ repositories }, req) => ({
    repositories: repositories.list(String(req.parent ?? '')).map(repositoryMessage),
    nextPageToken: '',
  }),
  DeleteRepository: async (deps, req) => {
    const { repositories, backend } = deps;
    const name = String(req.name ?? '');
    repositories.get(name);
    // Artifact Registry deletes every version (tagged or not) with the repository.
    if (backend)
      for (const img of await versionsOf(deps, name))
        await deleteVersion(backend, `${registryPath(name)}/${img.image}`, img.digest);
    repositories.delete(name);
    return doneOperation(name.replace(/\/repositories\/.*$/, ''), packAny('google.protobuf.Empty', {}));
  },
  ListDockerImages: async (deps, req) => {
    const parent = String(req.parent ?? '');
    deps.repositories.get(parent);
    const { project, location, repository } = parseRepositoryName(parent);
    const images = await versionsOf(deps, parent);
    return {
      dockerImages: images.map((i) => ({
        name: `${parent}/dockerImages/${encodeURIComponent(i.image)}@${i.digest}`,
        uri: `${location}-docker.pkg.dev/${project}/${repository}/${i.image}@${i.digest}`,
        tags: i.tags,
        imageSizeBytes: i.size,
        mediaType: i.mediaType,
      })),
      nextPageToken: '',
    };
  },
  DeleteTag: async ({ repositories, backend }, req) => {
    const { repository, image, tag } = parseTagName(String(req.name ?? ''));
    repositories.get(repository);
    // Only the tag goes: the version stays (listed untagged) until it is deleted itself.
    const deleted = backend ? await untag(backend, `${registryPath(repository)}/${image}`, tag) : false;
    if (!deleted) throw notFound(`Requested entity was not found. Tag "${tag}" not found`);
    return {};
  },
};

/** The service implementation for grpc-js Server.addService. */
export function artifactRegistryImplementation(deps: ArtifactRegistryDeps): UntypedServiceImplementation {
  const impl: UntypedServiceImplementation = {};
  for (const rpc of Object.keys(artifactRegistryService())) {
    impl[rpc] = (call: ServerUnaryCall<Req, unknown>, callback: sendUnaryData<unknown>) => {
      void (async () => {
        try {
          checkAuth(deps.requireAuth(), call.metadata);
          const handler = handlers[rpc];
          if (!handler)
            throw new ApiError(status.UNIMPLEMENTED, `${rpc} is not implemented by the local Artifact Registry`);
          callback(null, await handler(deps, call.request));
        } catch (e) {
          if (e instanceof ApiError) return callback({ code: e.code, details: e.message });
          deps.log(`artifact registry ${rpc} failed: ${(e as Error)?.stack ?? String(e)}`);
          callback({ code: status.INTERNAL, details: `${rpc}: internal error: ${(e as Error)?.message ?? String(e)}` });
        }
      })();
    };
  }
  return impl;
}
