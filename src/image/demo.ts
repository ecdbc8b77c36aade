/**
 * gkeflow's builtin demo image (spec source `builtin:demo`): the demo server of tools/demo,
 * built by the toolchain for linux/amd64 and linux/arm64, as a multi-platform OCI index made
 * without Docker. It runs on real nodes (entrypoint /gkeflow-demo, port 8888, the pod name from
 * POD_NAME or the pod's hostname); on the local target the emulator's data plane recognises its
 * digests and runs the host build of the same server for each ready pod.
 */
import fs from 'node:fs';
import path from 'node:path';
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

/** Builds the runnable multi-platform image from the binaries; same binaries ⇒ same digests. */
export function buildRunnableDemoImage(binaries: DemoBinaries): BuiltImage {
  const blobs = new Map<string, Buffer>();
  const manifests: Descriptor[] = [];
  for (const p of DEMO_PLATFORMS) {
    const bin = binaries.get(`${p.os}/${p.architecture}`);
    if (!bin) throw new Error(`demo image: no binary for ${p.os}/${p.architecture}`);
    const img = buildImage({
      architecture: p.architecture,
      os: p.os,
      layers: [[{ path: 'gkeflow-demo', content: bin, mode: 0o755 }]],
      config: {
        Entrypoint: ['/gkeflow-demo'],
        Env: [`PORT=${DEMO_PORT}`],
        ExposedPorts: { [`${DEMO_PORT}/tcp`]: {} },
        User: '65532:65532',
        Labels: {
          'org.opencontainers.image.title': 'gkeflow-demo',
          'org.opencontainers.image.version': DEMO_VERSION,
          'org.opencontainers.image.source': 'builtin:demo',
        },
      },
    });
    for (const [d, b] of img.blobs) blobs.set(d, b);
    manifests.push(img.manifest);
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.index, manifests }));
  const digest = sha256(index);
  blobs.set(digest, index);
  return { blobs, manifest: { mediaType: MEDIA.index, digest, size: index.length } };
}

let cached: Promise<BuiltImage> | undefined;

/**
 * The builtin:demo image, built once per process from the toolchain's demo component (built from
 * tools/demo on first use; needs Go then, seconds when cached).
 */
export function demoImage(log: (line: string) => void = () => {}): Promise<BuiltImage> {
  cached ??= ensureToolchain({ only: ['demo'], log }).then((tc) =>
    buildRunnableDemoImage(readDemoBinaries(path.dirname(tc.demo))),
  );
  cached.catch(() => (cached = undefined));
  return cached;
}

/** Every digest that names the demo image: the index and each platform's manifest. */
export function demoDigests(image: BuiltImage): Set<string> {
  const index = JSON.parse(image.blobs.get(image.manifest.digest)!.toString()) as { manifests: Descriptor[] };
  return new Set([image.manifest.digest, ...index.manifests.map((m) => m.digest)]);
}

/** A reader of the builtin:demo image that builds it on first use. */
export function demoImageReader(): ImageReader {
  const reader = () => demoImage().then(memoryReader);
  return {
    root: async () => (await reader()).root(),
    manifest: async (d) => (await reader()).manifest(d),
    read: async (digest, offset, length) => (await reader()).read(digest, offset, length),
    close: async () => {},
  };
}
