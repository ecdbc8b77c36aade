/**
 * OCI image media types and descriptors, and an in-memory image builder: layers (gzip tar),
 * config, manifest and index with correct sha256 digests and sizes.
 */
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { createTar, type TarFile } from './tar';

export const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

/** Media types that are image indexes / manifest lists (their children are manifests). */
export const INDEX_TYPES: ReadonlySet<string> = new Set([MEDIA.index, MEDIA.dockerList]);
/** Every manifest media type a registry source may answer with. */
export const MANIFEST_ACCEPT = [MEDIA.manifest, MEDIA.index, MEDIA.dockerManifest, MEDIA.dockerList].join(', ');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** `sha256:<hex>` of some bytes. */
export function sha256(data: Buffer | string): string {
  return `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`;
}

/** An image held in memory: every blob (layers, config, manifest) by digest, and the root manifest. */
export interface BuiltImage {
  blobs: Map<string, Buffer>;
  manifest: Descriptor;
}

export interface ImageSpec {
  /** Each layer is a list of files; layers are applied in order. */
  layers: TarFile[][];
  /** The image config's `config` section (Cmd, Env, ExposedPorts, WorkingDir, Labels …). */
  config?: Record<string, unknown>;
  architecture?: string;
  os?: string;
  /** Image creation time recorded in the config; fixed by default for reproducible digests. */
  created?: string;
}

/** Builds an OCI image in memory. Same spec ⇒ same bytes ⇒ same digests. */
export function buildImage(spec: ImageSpec): BuiltImage {
  const blobs = new Map<string, Buffer>();
  const put = (mediaType: string, data: Buffer): Descriptor => {
    const digest = sha256(data);
    blobs.set(digest, data);
    return { mediaType, digest, size: data.length };
  };
  const diffIds: string[] = [];
  const layers = spec.layers.map((files) => {
    const tar = createTar(files);
    diffIds.push(sha256(tar));
    return put(MEDIA.layerGzip, zlib.gzipSync(tar, { level: 9 }));
  });
  const created = spec.created ?? '1970-01-01T00:00:00Z';
  const config = {
    created,
    architecture: spec.architecture ?? 'amd64',
    os: spec.os ?? 'linux',
    config: spec.config ?? {},
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: layers.map(() => ({ created, created_by: 'gkeflow image builder' })),
  };
  const configDesc = put(MEDIA.config, Buffer.from(JSON.stringify(config)));
  const manifest = { schemaVersion: 2, mediaType: MEDIA.manifest, config: configDesc, layers };
  const manifestDesc = put(MEDIA.manifest, Buffer.from(JSON.stringify(manifest)));
  return { blobs, manifest: { ...manifestDesc, platform: { architecture: config.architecture, os: config.os } } };
}
