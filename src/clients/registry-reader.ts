/**
 * An ImageReader over a registry reference (`host/name:tag` or `host/name@sha256:…`), so
 * pushImage can copy registry → registry and mount blobs when both sit on the same registry.
 */
import { verifyDigest } from '../image/digest';
import type { Descriptor } from '../image/oci';
import type { ImageReader } from '../image/reader';
import type { TargetConfig } from './config';
import { DistributionClient, type DistributionOptions } from './distribution';
import { resolveRepository, splitReference } from './registry';

/** Reads the image a registry reference names. */
export function registryReader(reference: string, config: TargetConfig, opts: DistributionOptions = {}): ImageReader {
  const { repository, ref } = splitReference(reference);
  const repo = resolveRepository(repository, config);
  const client = new DistributionClient(repo, 'source', opts);
  const manifests = new Map<string, Buffer>();
  return {
    origin: { base: repo.base, name: repo.name },
    root: async (): Promise<Descriptor> => {
      const m = await client.getManifest(ref);
      // A digest-pinned source is what its digest says, whatever the registry returned.
      const pinned = ref.includes(':') ? ref : undefined;
      if (pinned) verifyDigest(pinned, m.body, `source registry returned manifest ${m.digest} for ${pinned}`);
      const digest = pinned ?? m.digest;
      manifests.set(digest, m.body);
      return { mediaType: m.mediaType, digest, size: m.body.length };
    },
    manifest: async (d) => {
      const known = manifests.get(d.digest);
      if (known) return known;
      const m = await client.getManifest(d.digest);
      verifyDigest(d.digest, m.body, `source registry returned manifest ${m.digest} for ${d.digest}`);
      return m.body;
    },
    read: (digest, offset, length) => client.readBlob(digest, offset, length),
    close: async () => {},
  };
}
