/**
 * Moving a bundle through a registry: the CLI pushes it into the environment's Artifact
 * Registry repository and names it by digest; the worker's applyApp fetches it by that digest.
 * Neither side needs the other's disk, and history only ever holds the reference.
 */
import type { TargetConfig } from '../clients/config';
import { DistributionClient, type DistributionOptions } from '../clients/distribution';
import { resolveRepository, splitReference } from '../clients/registry';
import { bundleLayerOf, decodeBundleLayer, EMPTY_CONFIG, encodeBundle, type Bundle } from './format';

/** Bytes of the largest bundle a fetch accepts: far above any app's manifests, bounded all the same. */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

/** Pushes a bundle into `repository`; returns `repository@sha256:…` (the name as given, not the resolved host). */
export async function pushBundle(
  bundle: Bundle,
  repository: string,
  config: TargetConfig,
  opts: DistributionOptions = {},
): Promise<string> {
  const { layer, layerDigest, manifest, manifestDigest } = encodeBundle(bundle);
  const client = new DistributionClient(resolveRepository(repository, config), 'destination', opts);
  const blobs: Array<[string, Buffer]> = [
    [EMPTY_CONFIG.digest, Buffer.from('{}')],
    [layerDigest, layer],
  ];
  for (const [digest, bytes] of blobs) {
    if (await client.hasBlob(digest)) continue;
    const started = await client.mountOrStart(digest, undefined);
    if (started === true) continue;
    await client.upload(
      started,
      digest,
      bytes.length,
      async (o, l) => bytes.subarray(o, o + l),
      bytes.length,
      () => undefined,
    );
  }
  await client.putManifest(manifestDigest, manifest, 'application/vnd.oci.image.manifest.v1+json');
  return `${repository}@${manifestDigest}`;
}

/** Fetches the bundle `reference` (`repository@sha256:…`), checking every digest on the way. */
export async function fetchBundle(
  reference: string,
  config: TargetConfig,
  opts: DistributionOptions = {},
): Promise<Bundle> {
  const { repository, ref } = splitReference(reference);
  const client = new DistributionClient(resolveRepository(repository, config), 'source', opts);
  const m = await client.getManifest(ref);
  if (m.digest !== ref) throw new Error(`bundle manifest does not match its digest ${ref}`);
  const layer = bundleLayerOf(m.body);
  if (layer.size > MAX_BUNDLE_BYTES) throw new Error(`bundle layer is ${layer.size} bytes (limit ${MAX_BUNDLE_BYTES})`);
  return decodeBundleLayer(await client.readBlob(layer.digest, 0, layer.size), layer.digest);
}
