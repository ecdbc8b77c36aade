/**
 * An app's rendered bundle: every object the CLI rendered, each with the file it came from,
 * as one gzip'd JSON layer of an OCI artifact. The same bytes give the same digest, so an
 * unchanged app pushes nothing new and the workflow input only changes when the app does.
 */
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import type { KubernetesObject } from '@kubernetes/client-node';

/** The artifact's type, and its one layer's media type. */
export const BUNDLE_ARTIFACT_TYPE = 'application/vnd.gkeflow.app.bundle.v1';
export const BUNDLE_LAYER_TYPE = 'application/vnd.gkeflow.app.objects.v1+gzip';
/** OCI 1.1's empty config (`{}`), for artifacts that have none. */
export const EMPTY_CONFIG = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
} as const;

/** One rendered object and where it came from (`k8s/web.yaml`, `kustomize ./overlay`). */
export interface BundleObject {
  source: string;
  object: KubernetesObject;
}

export interface Bundle {
  objects: BundleObject[];
}

const sha256 = (b: Buffer) => `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;

/** The artifact's layer and manifest bytes, with their digests (deterministic: gzip without a timestamp). */
export function encodeBundle(bundle: Bundle): {
  layer: Buffer;
  layerDigest: string;
  manifest: Buffer;
  manifestDigest: string;
} {
  const layer = zlib.gzipSync(Buffer.from(JSON.stringify({ gkeflowBundle: 1, objects: bundle.objects })), {
    level: 9,
  });
  const layerDigest = sha256(layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: BUNDLE_ARTIFACT_TYPE,
      config: EMPTY_CONFIG,
      layers: [{ mediaType: BUNDLE_LAYER_TYPE, digest: layerDigest, size: layer.length }],
    }),
  );
  return { layer, layerDigest, manifest, manifestDigest: sha256(manifest) };
}

/** The layer of a bundle manifest; throws when the manifest is not a gkeflow bundle. */
export function bundleLayerOf(manifest: Buffer): { digest: string; size: number } {
  const m = JSON.parse(manifest.toString('utf8')) as {
    artifactType?: string;
    layers?: Array<{ mediaType?: string; digest?: string; size?: number }>;
  };
  const layer = m.layers?.find((l) => l.mediaType === BUNDLE_LAYER_TYPE);
  if (m.artifactType !== BUNDLE_ARTIFACT_TYPE || !layer?.digest || typeof layer.size !== 'number')
    throw new Error(`not a gkeflow app bundle (artifactType ${m.artifactType ?? 'none'})`);
  return { digest: layer.digest, size: layer.size };
}

/** Decodes a bundle layer, checking its digest first. */
export function decodeBundleLayer(layer: Buffer, digest: string): Bundle {
  if (sha256(layer) !== digest) throw new Error(`bundle layer does not match its digest ${digest}`);
  const doc = JSON.parse(zlib.gunzipSync(layer).toString('utf8')) as { gkeflowBundle?: number; objects?: unknown };
  if (doc.gkeflowBundle !== 1 || !Array.isArray(doc.objects)) throw new Error('not a gkeflow app bundle (version 1)');
  return { objects: doc.objects as BundleObject[] };
}
