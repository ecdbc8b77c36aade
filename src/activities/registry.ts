/**
 * Registry activities: copy an image to the target registry with the OCI distribution
 * protocol, and delete a pushed tag.
 */
import type { TargetConfig } from '../clients/config';
import { DistributionClient } from '../clients/distribution';
import { registryReader } from '../clients/registry-reader';
import { resolveRepository, type RegistryRepo } from '../clients/registry';
import { demoImageReader } from '../image/demo';
import { INDEX_TYPES, type Descriptor } from '../image/oci';
import { ociArchiveReader, ociLayoutReader, type ImageReader } from '../image/reader';
import { InvalidArgumentError } from './errors';
import { cancelSignal, heartbeat, resumeDetails } from './progress';
import type { DeleteImageTagInput, DeleteResult, ImageSource, PushImageInput, PushImageResult } from './types';

export interface RegistryActivityDeps {
  config: TargetConfig;
  /**
   * Bytes read from the source at a time (default 8 MiB): a blob up to this size goes up in one
   * PUT, a larger one as one streamed PATCH. Bounds the memory a push takes, whatever the layer size.
   */
  readWindow?: number;
  /** Where a destination repository lives (default: resolveRepository for the target); tests override. */
  resolve?: (repository: string) => RegistryRepo;
}

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
export function openSource(source: ImageSource, config: TargetConfig, signal?: AbortSignal): ImageReader {
  switch (source.kind) {
    case 'builtin':
      return demoImageReader();
    case 'oci-archive':
      return ociArchiveReader(source.path);
    case 'oci-layout':
      return ociLayoutReader(source.path, source.tag);
    case 'registry':
      return registryReader(source.reference, config, signal);
  }
}

interface Plan {
  blobs: Descriptor[];
  /** Children before parents, root last. */
  manifests: Array<{ desc: Descriptor; body: Buffer }>;
}

async function plan(reader: ImageReader, desc: Descriptor, into: Plan = { blobs: [], manifests: [] }): Promise<Plan> {
  const body = await reader.manifest(desc);
  const json = JSON.parse(body.toString('utf8')) as {
    mediaType?: string;
    manifests?: Descriptor[];
    config?: Descriptor;
    layers?: Descriptor[];
  };
  const mediaType = desc.mediaType || json.mediaType || '';
  if (INDEX_TYPES.has(mediaType) || json.manifests) {
    for (const child of json.manifests ?? []) await plan(reader, child, into);
  } else {
    if (!json.config) throw new InvalidArgumentError(`manifest ${desc.digest} has no config`, { digest: desc.digest });
    for (const b of [json.config, ...(json.layers ?? [])])
      if (!into.blobs.some((x) => x.digest === b.digest)) into.blobs.push(b);
  }
  into.manifests.push({ desc: { ...desc, mediaType }, body });
  return into;
}

/** Builds pushImage and deleteImageTag for a target. */
export function registryActivities(deps: RegistryActivityDeps) {
  const readWindow = deps.readWindow ?? 8 * 1024 * 1024;
  const resolve = deps.resolve ?? ((repository: string) => resolveRepository(repository, deps.config));

  /** Copies the source image to `repository:tag`; returns the manifest digest. Resumes from heartbeats. */
  async function pushImage(input: PushImageInput): Promise<PushImageReport> {
    const signal = cancelSignal();
    const reader = openSource(input.source, deps.config, signal);
    try {
      const dest = resolve(input.repository);
      const client = new DistributionClient(dest, 'destination', signal);
      const root = await reader.root();
      const { blobs, manifests } = await plan(reader, root);
      const done = new Set(resumeDetails<PushProgress>()?.doneDigests ?? []);
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
      const beat = () => heartbeat({ ...p, doneDigests: [...done] });
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
              (o, l) => reader.read(blob.digest, o, l),
              readWindow,
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
      const registryDigest = await client.putManifest(input.tag, last.body, last.desc.mediaType);
      if (registryDigest && registryDigest !== root.digest) {
        throw new InvalidArgumentError(`registry computed manifest digest ${registryDigest}, expected ${root.digest}`, {
          repository: input.repository,
        });
      }
      return { digest: root.digest, reference: `${dest.host}/${dest.name}@${root.digest}`, ...r };
    } finally {
      await reader.close();
    }
  }

  /**
   * Deletes `repository:tag`. Registries that cannot delete a tag (HTTP 400/405 UNSUPPORTED)
   * get the manifest the tag points at deleted instead, which removes every tag of that
   * manifest: acceptable for a tag gkeflow pushed for its own environment.
   */
  async function deleteImageTag(input: DeleteImageTagInput): Promise<DeleteResult> {
    const dest = resolve(input.repository);
    const client = new DistributionClient(dest, 'destination', cancelSignal());
    const byTag = await client.deleteManifest(input.tag);
    if (byTag.deleted) return { deleted: true };
    if (byTag.status === 404) return { deleted: false };
    if (byTag.status !== 400 && byTag.status !== 405)
      throw client.fail(byTag.status, byTag.body, `DELETE tag ${input.tag}`);
    const digest = await client.headManifest(input.tag);
    if (!digest) return { deleted: false };
    const byDigest = await client.deleteManifest(digest);
    if (byDigest.deleted) return { deleted: true };
    if (byDigest.status === 404) return { deleted: false };
    throw client.fail(byDigest.status, byDigest.body, `DELETE manifest ${digest}`);
  }

  return { pushImage, deleteImageTag };
}
