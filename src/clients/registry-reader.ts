/**
 * An ImageReader over a registry reference (`host/name:tag` or `host/name@sha256:…`), so
 * pushImage can copy registry → registry and mount blobs when both sit on the same registry.
 */
import { InvalidArgumentError } from '../activities/errors';
import type { Descriptor } from '../image/oci';
import type { ImageReader } from '../image/reader';
import type { TargetConfig } from './config';
import { DistributionClient } from './distribution';
import { resolveRepository, splitReference } from './registry';

/** Reads the image a registry reference names. */
export function registryReader(reference: string, config: TargetConfig, signal?: AbortSignal): ImageReader {
  const { repository, ref } = splitReference(reference);
  const repo = resolveRepository(repository, config);
  const client = new DistributionClient(repo, 'source', signal);
  const manifests = new Map<string, Buffer>();
  return {
    origin: { base: repo.base, name: repo.name },
    root: async (): Promise<Descriptor> => {
      const m = await client.getManifest(ref);
      manifests.set(m.digest, m.body);
      return { mediaType: m.mediaType, digest: m.digest, size: m.body.length };
    },
    manifest: async (d) => {
      const known = manifests.get(d.digest);
      if (known) return known;
      const m = await client.getManifest(d.digest);
      if (d.digest.startsWith('sha256:') && m.digest !== d.digest)
        throw new InvalidArgumentError(`source registry returned manifest ${m.digest} for ${d.digest}`, {
          digest: d.digest,
        });
      return m.body;
    },
    read: (digest, offset, length) => client.readBlob(digest, offset, length),
    close: async () => {},
  };
}
