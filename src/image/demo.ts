/**
 * gkeflow's builtin demo image (spec source `builtin:demo`): the demo server of tools/demo,
 * built by the toolchain for linux/amd64 and linux/arm64, as a multi-platform OCI index made
 * without Docker. It runs on real nodes (entrypoint /gkeflow-demo, port 8888, the pod name from
 * POD_NAME or the pod's hostname). Its variants (`builtin:demo?variant=v2`) are the same layer
 * under another config, so another digest whose server reports its variant; on the local target the emulator's data plane recognises its
 * digests and runs the host build of the same server for each ready pod.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEMO_VARIANTS, type DemoVariant } from '../contract/demo-variants';
import { DEMO_PLATFORMS, DEMO_VERSION, demoBinaryName } from '../toolchain/components';
import { ensureToolchain } from '../toolchain/toolchain';
import { buildImage, MEDIA, sha256, type BuiltImage, type Descriptor } from './oci';
import { memoryReader, type ImageReader } from './reader';

/** The container port the demo server listens on (the walkthrough's 8888). */
export const DEMO_PORT = 8888;

export interface DemoImageOptions {
  /** Text of the served page; different text ⇒ a different layer and digest (tests use this). */
  message?: string;
  /** Port recorded in the image config (ExposedPorts), the walkthrough's 8888. */
  port?: number;
}

const pageHtml = (message: string) =>
  `<!doctype html>\n<html><head><title>gkeflow demo</title></head><body><h1>gkeflow demo</h1><p>${message}</p></body></html>\n`;

/**
 * A tiny single-platform image holding only a static web root (no binary): a fixture for tests
 * of image handling that must not need the toolchain. Deterministic for the same options.
 */
export function buildDemoImage(opts: DemoImageOptions = {}): BuiltImage {
  const port = opts.port ?? DEMO_PORT;
  const message = opts.message ?? 'Hello from gkeflow: this page is served from a real OCI image built without Docker.';
  return buildImage({
    layers: [
      [
        { path: 'srv/' },
        { path: 'srv/www/' },
        { path: 'srv/www/index.html', content: pageHtml(message) },
        { path: 'srv/www/healthz', content: 'ok\n' },
        { path: 'srv/README.txt', content: 'gkeflow static demo page: a web root, no shell, no binaries.\n' },
      ],
    ],
    config: {
      ExposedPorts: { [`${port}/tcp`]: {} },
      WorkingDir: '/srv/www',
      Labels: { 'org.opencontainers.image.title': 'gkeflow-demo', 'org.opencontainers.image.source': 'builtin:demo' },
    },
  });
}

/** The demo server's binaries, by platform (`linux/amd64` → bytes). */
export type DemoBinaries = ReadonlyMap<string, Buffer>;

/** Reads the linux binaries of the image from the demo component's cache entry. */
export function readDemoBinaries(dir: string): DemoBinaries {
  return new Map(
    DEMO_PLATFORMS.map((p) => [`${p.os}/${p.architecture}`, fs.readFileSync(path.join(dir, demoBinaryName(p)))]),
  );
}

/** The image config's `Env` of a demo variant (what the server reports as its variant). */
export const demoImageEnv = (variant: DemoVariant = 'v1') => [`PORT=${DEMO_PORT}`, `DEMO_VARIANT=${variant}`];

/** The platform images of the binaries (the expensive part: each binary gzip'd once). */
function platformImages(binaries: DemoBinaries): BuiltImage[] {
  return DEMO_PLATFORMS.map((p) => {
    const bin = binaries.get(`${p.os}/${p.architecture}`);
    if (!bin) throw new Error(`demo image: no binary for ${p.os}/${p.architecture}`);
    return buildImage({
      architecture: p.architecture,
      os: p.os,
      layers: [[{ path: 'gkeflow-demo', content: bin, mode: 0o755 }]],
      config: demoConfig('v1'),
    });
  });
}

const demoConfig = (variant: DemoVariant) => ({
  Entrypoint: ['/gkeflow-demo'],
  Env: demoImageEnv(variant),
  ExposedPorts: { [`${DEMO_PORT}/tcp`]: {} },
  User: '65532:65532',
  Labels: {
    'org.opencontainers.image.title': 'gkeflow-demo',
    'org.opencontainers.image.version': DEMO_VERSION,
    'org.opencontainers.image.source': variant === 'v1' ? 'builtin:demo' : `builtin:demo?variant=${variant}`,
  },
});

/** The same platform image with the config of another variant: same layer, its own digests. */
function withVariant(img: BuiltImage, variant: DemoVariant): BuiltImage {
  const manifest = JSON.parse(img.blobs.get(img.manifest.digest)!.toString()) as {
    config: Descriptor;
    layers: Descriptor[];
  };
  const config = JSON.parse(img.blobs.get(manifest.config.digest)!.toString()) as Record<string, unknown>;
  const configBody = Buffer.from(JSON.stringify({ ...config, config: demoConfig(variant) }));
  const configDesc = { mediaType: MEDIA.config, digest: sha256(configBody), size: configBody.length };
  const body = Buffer.from(JSON.stringify({ ...manifest, config: configDesc }));
  const digest = sha256(body);
  const blobs = new Map(img.blobs);
  blobs.delete(manifest.config.digest);
  blobs.delete(img.manifest.digest);
  blobs.set(configDesc.digest, configBody);
  blobs.set(digest, body);
  return { blobs, manifest: { ...img.manifest, digest, size: body.length } };
}

function indexOf(platforms: BuiltImage[]): BuiltImage {
  const blobs = new Map<string, Buffer>();
  for (const img of platforms) for (const [d, b] of img.blobs) blobs.set(d, b);
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.index, manifests: platforms.map((p) => p.manifest) }),
  );
  const digest = sha256(index);
  blobs.set(digest, index);
  return { blobs, manifest: { mediaType: MEDIA.index, digest, size: index.length } };
}

/**
 * Builds the runnable multi-platform image of every variant from the binaries (same binaries ⇒
 * same digests): one layer per platform shared by all variants, which differ in their config
 * (`DEMO_VARIANT`, the source label) and so in their digests.
 */
export function buildRunnableDemoImages(binaries: DemoBinaries): ReadonlyMap<DemoVariant, BuiltImage> {
  const base = platformImages(binaries);
  return new Map(DEMO_VARIANTS.map((v) => [v, indexOf(v === 'v1' ? base : base.map((img) => withVariant(img, v)))]));
}

/** The runnable image of one variant (`v1`: plain builtin:demo). */
export function buildRunnableDemoImage(binaries: DemoBinaries, variant: DemoVariant = 'v1'): BuiltImage {
  return buildRunnableDemoImages(binaries).get(variant)!;
}

let cached: Promise<ReadonlyMap<DemoVariant, BuiltImage>> | undefined;

/**
 * The builtin:demo image (of a variant), built once per process from the toolchain's demo
 * component (built from tools/demo on first use; needs Go then, seconds when cached).
 */
export async function demoImage(
  log: (line: string) => void = () => {},
  variant: DemoVariant = 'v1',
): Promise<BuiltImage> {
  cached ??= ensureToolchain({ only: ['demo'], log }).then((tc) =>
    buildRunnableDemoImages(readDemoBinaries(path.dirname(tc.demo))),
  );
  cached.catch(() => (cached = undefined));
  return (await cached).get(variant)!;
}

/** Every digest that names the demo image: the index and each platform's manifest. */
export function demoDigests(image: BuiltImage): Set<string> {
  const index = JSON.parse(image.blobs.get(image.manifest.digest)!.toString()) as { manifests: Descriptor[] };
  return new Set([image.manifest.digest, ...index.manifests.map((m) => m.digest)]);
}

/** A reader of the builtin:demo image (of a variant) that builds it on first use. */
export function demoImageReader(variant: DemoVariant = 'v1'): ImageReader {
  const reader = () => demoImage(undefined, variant).then(memoryReader);
  return {
    root: async () => (await reader()).root(),
    manifest: async (d) => (await reader()).manifest(d),
    read: async (digest, offset, length) => (await reader()).read(digest, offset, length),
    close: async () => {},
  };
}
