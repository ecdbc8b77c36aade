/**
 * Registry activities: make sure the Artifact Registry repository exists, copy an image to the
 * target registry with the OCI distribution protocol, delete a pushed tag, and delete the
 * repository when gkeflow created it for the environment.
 */
import { createArtifactRegistryApi, type ArtifactRegistryApi } from '../clients/artifact-registry';
import type { TargetConfig } from '../clients/config';
import { DistributionClient, type DistributionOptions } from '../clients/distribution';
import { registryReader } from '../clients/registry-reader';
import { resolveRepository, type RegistryRepo } from '../clients/registry';
import type { RetryPolicy } from '../clients/registry-retry';
import { demoImageReader } from '../image/demo';
import { checkDeclaredSize, MAX_BLOB_BYTES, MAX_INDEX_DEPTH, MAX_MANIFEST_BYTES } from '../image/digest';
import { INDEX_TYPES, type Descriptor } from '../image/oci';
import { ociArchiveReader, ociLayoutReader, type ImageReader } from '../image/reader';
import { dockerArchiveReader } from '../image/docker-archive';
import { envHash, LABELS, managedLabels, MANAGED_BY_VALUE, ownerLabels } from '../contract/labels';
import { artifactRepositoryOf } from '../envspec/image-ref';
import {
  InvalidArgumentError,
  NameTakenError,
  ResourceNotFoundError,
  TransientCloudError,
} from '../contract/activity-errors';
import { artifactRegistryError } from '../clients/registry-errors';
import { cancelSignal, heartbeat, resumeDetails } from './progress';
import { deleteTagKeepingShared } from './image-tag';
import type {
  DeleteImageTagInput,
  DeleteRepositoryInput,
  DeleteRepositoryResult,
  EnsureRepositoryInput,
  EnsureRepositoryResult,
  ImageSource,
  ListRepositoriesInput,
  PushImageInput,
  PushImageResult,
  RepositorySummary,
} from '../contract/image-io';
import type { DeleteResult } from '../contract/workload-io';
import type { EnvRef } from '../contract/environment-id';
import { locationName } from '../gke/resource-names';

export interface RegistryActivityDeps {
  config: TargetConfig;
  /**
   * Bytes read from the source at a time (default 8 MiB): a blob up to this size goes up in one
   * PUT, a larger one as one streamed PATCH. Bounds the memory a push takes, whatever the layer size.
   */
  readWindow?: number;
  /** Where a destination repository lives (default: resolveRepository for the target); tests override. */
  resolve?: (repository: string) => RegistryRepo;
  /** How registry requests are retried (default DEFAULT_RETRY); tests shorten it. */
  retry?: RetryPolicy;
  /** The Artifact Registry API (default: the target's, built on first use); tests override. */
  artifactRegistry?: ArtifactRegistryApi;
}

/** Why deleteRepository kept a repository (its result's `kept`). */
export const REPOSITORY_KEPT = {
  notCreated: 'gkeflow did not create it for this environment (its labels)',
  holdsImages: (n: number) => `it still holds ${n} image${n === 1 ? '' : 's'}`,
} as const;

/** gkeflow created this repository for this environment (its labels say so). */
const createdFor = (labels: Record<string, string>, env: EnvRef) =>
  labels[LABELS.managedBy] === MANAGED_BY_VALUE && labels[LABELS.env] === envHash(env.id);

/** Heartbeat details of pushImage: plain counts and digests, read back on retry to resume. */
export interface PushProgress {
  bytesDone: number;
  bytesTotal: number;
  blobsDone: number;
  blobsTotal: number;
  /** Digests of blobs already in the destination (uploaded, mounted or found). */
  doneDigests: string[];
}

/** pushImage's result with the copy's counters. */
export interface PushImageReport extends PushImageResult {
  blobsUploaded: number;
  blobsMounted: number;
  blobsSkipped: number;
}

/** Opens a source image for reading. */
export function openSource(source: ImageSource, config: TargetConfig, opts: DistributionOptions = {}): ImageReader {
  switch (source.kind) {
    case 'builtin':
      return demoImageReader(source.variant);
    case 'oci-archive':
      return ociArchiveReader(source.path);
    case 'docker-archive':
      return dockerArchiveReader(source.path);
    case 'oci-layout':
      return ociLayoutReader(source.path, source.tag);
    case 'registry':
      return registryReader(source.reference, config, opts);
  }
}

interface Plan {
  blobs: Descriptor[];
  /** Children before parents, root last. */
  manifests: Array<{ desc: Descriptor; body: Buffer }>;
}

/**
 * What to copy, walking the source's index and manifests; refuses (InvalidArgumentError) what a
 * broken or hostile source could use to exhaust the worker: oversized descriptors, deep nesting.
 */
async function plan(
  reader: ImageReader,
  desc: Descriptor,
  into: Plan = { blobs: [], manifests: [] },
  depth = 0,
): Promise<Plan> {
  if (depth > MAX_INDEX_DEPTH)
    throw new InvalidArgumentError(`image index nested deeper than ${MAX_INDEX_DEPTH} levels at ${desc.digest}`, {
      digest: desc.digest,
    });
  checkDeclaredSize(desc, MAX_MANIFEST_BYTES, 'manifest');
  const body = await reader.manifest(desc);
  const json = JSON.parse(body.toString('utf8')) as {
    mediaType?: string;
    manifests?: Descriptor[];
    config?: Descriptor;
    layers?: Descriptor[];
  };
  const mediaType = desc.mediaType || json.mediaType || '';
  if (INDEX_TYPES.has(mediaType) || json.manifests) {
    for (const child of json.manifests ?? []) await plan(reader, child, into, depth + 1);
  } else {
    if (!json.config) throw new InvalidArgumentError(`manifest ${desc.digest} has no config`, { digest: desc.digest });
    for (const b of [json.config, ...(json.layers ?? [])]) {
      checkDeclaredSize(b, MAX_BLOB_BYTES, 'blob');
      if (!into.blobs.some((x) => x.digest === b.digest)) into.blobs.push(b);
    }
  }
  into.manifests.push({ desc: { ...desc, mediaType }, body });
  return into;
}

/** How copyImage reads, waits and reports. */
export interface CopyImageOptions {
  wait: DistributionOptions;
  /** Bytes read from the source at a time (see RegistryActivityDeps.readWindow). */
  readWindow: number;
  /** Blobs known to be in the destination already (a resumed copy). */
  doneDigests?: string[];
  /** Called after each blob and each uploaded chunk. */
  onProgress?: (p: PushProgress) => void;
}

/**
 * Copies the image a reader holds to `dest:tag` with the distribution protocol: blobs first
 * (skipped when present, mounted when the source sits on the same registry), then manifests by
 * digest, children before parents, then the tag. Returns the root manifest's digest and counters.
 */
export async function copyImage(
  reader: ImageReader,
  dest: RegistryRepo,
  tag: string,
  o: CopyImageOptions,
): Promise<PushImageReport> {
  const client = new DistributionClient(dest, 'destination', o.wait);
  const root = await reader.root();
  const { blobs, manifests } = await plan(reader, root);
  const done = new Set(o.doneDigests ?? []);
  const mountFrom =
    reader.origin && reader.origin.base === dest.base && reader.origin.name !== dest.name
      ? reader.origin.name
      : undefined;
  const p: PushProgress = {
    bytesDone: 0,
    bytesTotal: blobs.reduce((n, b) => n + b.size, 0),
    blobsDone: 0,
    blobsTotal: blobs.length,
    doneDigests: [...done],
  };
  const r = { bytesUploaded: 0, bytesSkipped: 0, blobsUploaded: 0, blobsMounted: 0, blobsSkipped: 0 };
  const beat = () => o.onProgress?.({ ...p, doneDigests: [...done] });
  for (const blob of blobs) {
    if (done.has(blob.digest) || (await client.hasBlob(blob.digest))) {
      r.bytesSkipped += blob.size;
      r.blobsSkipped++;
    } else {
      const started = await client.mountOrStart(blob.digest, mountFrom);
      if (started === true) {
        r.bytesSkipped += blob.size;
        r.blobsMounted++;
      } else {
        const base = p.bytesDone;
        await client.upload(
          started,
          blob.digest,
          blob.size,
          (offset, length) => reader.read(blob.digest, offset, length),
          o.readWindow,
          (sent) => {
            p.bytesDone = base + sent;
            beat();
          },
        );
        r.bytesUploaded += blob.size;
        r.blobsUploaded++;
      }
    }
    done.add(blob.digest);
    p.blobsDone++;
    p.bytesDone = blobs.filter((b) => done.has(b.digest)).reduce((n, b) => n + b.size, 0);
    beat();
  }
  // By digest first (children, then the root), then the tag: the tag moves only once the image is whole.
  for (const m of manifests) await client.putManifest(m.desc.digest, m.body, m.desc.mediaType);
  const last = manifests[manifests.length - 1]!;
  const registryDigest = await client.putManifest(tag, last.body, last.desc.mediaType);
  if (registryDigest && registryDigest !== root.digest) {
    throw new InvalidArgumentError(`registry computed manifest digest ${registryDigest}, expected ${root.digest}`, {
      repository: `${dest.host}/${dest.name}`,
    });
  }
  return { digest: root.digest, reference: `${dest.host}/${dest.name}@${root.digest}`, ...r };
}

/** Builds the registry activities of a target. */
export function registryActivities(deps: RegistryActivityDeps) {
  let api = deps.artifactRegistry;
  const artifactRegistry = () => (api ??= createArtifactRegistryApi(deps.config));

  /**
   * Creates the image's Artifact Registry repository when it does not exist (Artifact Registry
   * refuses pushes into a missing one), labelled as gkeflow's for this environment. `created`
   * says whether gkeflow created it for this environment (also on a retry after the create).
   * A create that loses a race (another environment sharing the repository created it meanwhile:
   * ALREADY_EXISTS) adopts the repository as found, as ensureCluster adopts its cluster; its
   * labels say whose it is, so the compensation of an environment that did not create it leaves it.
   */
  async function ensureRepository(input: EnsureRepositoryInput): Promise<EnsureRepositoryResult> {
    const target = artifactRepositoryOf(input.repository);
    if (!target) return { created: false };
    const context = { repository: target.name };
    const adopt = async (): Promise<EnsureRepositoryResult | undefined> => {
      const existing = await artifactRegistry().getRepository(target.name);
      return existing && { repository: target.name, created: createdFor(existing.labels, input.env) };
    };
    try {
      const found = await adopt();
      if (found) return found;
      await artifactRegistry().createRepository(
        target.parent,
        target.id,
        managedLabels(input.env, ownerLabels(input.owner)),
      );
      return { repository: target.name, created: true };
    } catch (e) {
      const mapped = artifactRegistryError(e, context);
      if (!(mapped instanceof NameTakenError)) throw mapped;
      const raced = await adopt().catch((again: unknown) => {
        throw artifactRegistryError(again, context);
      });
      if (raced) return raced;
      // Created and deleted again in between: the activity's retry looks afresh.
      throw new TransientCloudError(`${mapped.message}, but it was gone when looked up`, context);
    }
  }

  /**
   * The compensation of ensureRepository: deletes the repository only when gkeflow created it
   * for this environment and it holds no image any more; anything else is left alone, and `kept`
   * says why (absent when the repository does not exist).
   */
  async function deleteRepository(input: DeleteRepositoryInput): Promise<DeleteRepositoryResult> {
    try {
      const existing = await artifactRegistry().getRepository(input.name);
      if (!existing) return { deleted: false };
      if (!createdFor(existing.labels, input.env)) return { deleted: false, kept: REPOSITORY_KEPT.notCreated };
      const images = await artifactRegistry().countDockerImages(input.name);
      if (images > 0) return { deleted: false, kept: REPOSITORY_KEPT.holdsImages(images) };
      await artifactRegistry().deleteRepository(input.name);
      return { deleted: true };
    } catch (e) {
      const mapped = artifactRegistryError(e, { repository: input.name });
      if (mapped instanceof ResourceNotFoundError) return { deleted: false };
      throw mapped;
    }
  }

  /**
   * The repositories of a project in one location (`-`: every location), with labels and age;
   * those labelled managed-by: gkeflow also with their image count (the reaper's leftovers).
   */
  async function listRepositories({ project, location }: ListRepositoriesInput): Promise<RepositorySummary[]> {
    const parent = locationName(project, location);
    try {
      const out: RepositorySummary[] = [];
      for (const r of await artifactRegistry().listRepositories(parent)) {
        const managed = r.labels[LABELS.managedBy] === MANAGED_BY_VALUE;
        out.push({ ...r, ...(managed ? { images: await artifactRegistry().countDockerImages(r.name) } : {}) });
      }
      return out;
    } catch (e) {
      throw artifactRegistryError(e, { repository: parent });
    }
  }

  const readWindow = deps.readWindow ?? 8 * 1024 * 1024;
  const resolve = deps.resolve ?? ((repository: string) => resolveRepository(repository, deps.config));

  /**
   * Copies the source image to `repository:tag`; returns the manifest digest. Resumes from heartbeats.
   * When the registry answers that the Artifact Registry repository does not exist (NAME_UNKNOWN:
   * another environment sharing it deleted it, empty, after this one's ensureRepository found it),
   * ensures it again, labelled for this environment, and copies again from scratch;
   * `repositoryCreated` then names it, for this environment's cleanup to delete once empty.
   */
  async function pushImage(input: PushImageInput): Promise<PushImageReport> {
    const resumed = resumeDetails<PushProgress>();
    // What the last heartbeat said, sent again while a registry call waits to retry: it is what a retry resumes from.
    let details: Partial<PushProgress> = resumed ?? {};
    const wait: DistributionOptions = { signal: cancelSignal(), onWait: () => heartbeat(details), retry: deps.retry };
    const reader = openSource(input.source, deps.config, wait);
    try {
      try {
        return await copy(resumed?.doneDigests ?? []);
      } catch (e) {
        const missing = e instanceof ResourceNotFoundError && e.context.ociCode === 'NAME_UNKNOWN';
        if (!missing || !artifactRepositoryOf(input.repository)) throw e;
        const again = await ensureRepository({ env: input.env, repository: input.repository });
        const report = await copy([]);
        return again.created && again.repository ? { ...report, repositoryCreated: again.repository } : report;
      }
    } finally {
      await reader.close();
    }

    function copy(doneDigests: string[]): Promise<PushImageReport> {
      return copyImage(reader, resolve(input.repository), input.tag, {
        wait,
        readWindow,
        doneDigests,
        onProgress: (p) => {
          details = p;
          heartbeat(details);
        },
      });
    }
  }

  /**
   * Deletes `repository:tag`, and the image version it pointed at once no other tag points at it
   * (Artifact Registry keeps an untagged version, billed): see image-tag.ts. Never deletes a
   * version another tag still uses.
   */
  async function deleteImageTag(input: DeleteImageTagInput): Promise<DeleteResult> {
    const dest = resolve(input.repository);
    const client = new DistributionClient(dest, 'destination', { signal: cancelSignal(), retry: deps.retry });
    return deleteTagKeepingShared(client, dest.name, input.tag);
  }

  return { ensureRepository, pushImage, deleteImageTag, deleteRepository, listRepositories };
}
