/**
 * The gkeflow worker's OCI image, built without a container runtime: a base image (a Node 20
 * image) plus one layer holding the packed gkeflow package installed with its production
 * dependencies under /usr/local, as `npm install -g` puts it in the Dockerfile beside it
 * (deploy/image/Dockerfile, which a test keeps equal to WORKER_IMAGE_CONFIG). Same package and
 * base ⇒ same layer and same digests: every entry has mtime 0, owner 0:0, sorted order.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { WORKER_PROCESS_ENV } from '../config/worker-settings';
import { InvalidArgumentError } from '../contract/activity-errors';
import { INDEX_TYPES, MEDIA, REF_NAME_ANNOTATION, sha256, type Descriptor } from './oci';
import type { ImageReader } from './reader';
import { tarChunks, type TarFile } from './tar';

const run = promisify(execFile);

/** Where npm's global prefix is in Node's official images: the package lands in lib/node_modules, the bin in bin. */
export const WORKER_PREFIX = '/usr/local';

/** The worker's image config, the one the Dockerfile states too (a test keeps them equal). */
export const WORKER_IMAGE_CONFIG = {
  Entrypoint: ['gkeflow'],
  Cmd: ['worker'],
  User: '1000:1000',
  WorkingDir: '/tmp',
  Env: {
    GKEFLOW_TARGET: 'gcp',
    GKEFLOW_LOG_FORMAT: 'json',
    GKEFLOW_HEALTH_ADDRESS: '0.0.0.0:8080',
    GKEFLOW_METRICS_ADDRESS: '0.0.0.0:9464',
    HOME: '/tmp',
    ...WORKER_PROCESS_ENV,
  },
  ExposedPorts: ['8080/tcp', '9464/tcp'],
} as const;

/** The platforms the worker image is built for, and the Temporal core-bridge build each needs. */
export const WORKER_PLATFORMS: Readonly<Record<string, string>> = {
  'linux/amd64': 'x86_64-unknown-linux-gnu',
  'linux/arm64': 'aarch64-unknown-linux-gnu',
};

/** Files under node_modules the worker never reads: docs, type declarations, source maps, tests. */
const TRIM_FILE = /(\.(md|markdown|map|d\.ts|d\.mts|d\.cts|ts|mts|cts)$)|^(CHANGELOG|HISTORY|AUTHORS)(\..*)?$/i;
const TRIM_DIR = /^(test|tests|__tests__|bench|benchmark|benchmarks|example|examples|\.github)$/i;

const npm = (args: string[], cwd: string) =>
  run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, maxBuffer: 64 << 20 });

/** `npm pack` of a package directory into `into` (an installed one: ignoreScripts, as dist/ is built); returns the tarball. */
export async function packPackage(dir: string, into: string, ignoreScripts = false): Promise<string> {
  const { stdout } = await npm(
    ['pack', '--pack-destination', into, ...(ignoreScripts ? ['--ignore-scripts'] : [])],
    dir,
  );
  return path.join(into, stdout.trim().split('\n').pop()!);
}

/**
 * Installs a packed gkeflow tarball with its production dependencies into an empty prefix (as
 * `npm install -g --omit=dev` does in the image), from npm's cache when it holds them, then drops
 * what the worker never reads: other platforms' Temporal core-bridge builds, the bridge's Rust
 * sources, and docs/types/maps/tests inside node_modules. Returns the prefix.
 */
export async function stageWorkerPackage(tarball: string, prefix: string, platform: string): Promise<string> {
  const triple = WORKER_PLATFORMS[platform];
  if (!triple)
    throw new InvalidArgumentError(`platform ${platform} is not one the worker image is built for`, { platform });
  fs.mkdirSync(prefix, { recursive: true });
  await npm(['install', '-g', path.resolve(tarball), '--prefix', prefix, '--omit=dev', '--prefer-offline'], prefix);
  const modules = path.join(prefix, 'lib', 'node_modules', 'gkeflow', 'node_modules');
  const bridge = path.join(modules, '@temporalio', 'core-bridge');
  for (const release of fs.existsSync(path.join(bridge, 'releases'))
    ? fs.readdirSync(path.join(bridge, 'releases'))
    : [])
    if (release !== triple) fs.rmSync(path.join(bridge, 'releases', release), { recursive: true, force: true });
  for (const src of ['sdk-core', 'src', 'bridge-macros', 'Cargo.toml', 'Cargo.lock'])
    fs.rmSync(path.join(bridge, src), { recursive: true, force: true });
  trim(modules);
  return prefix;
}

function trim(dir: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (TRIM_DIR.test(e.name)) fs.rmSync(p, { recursive: true, force: true });
      else trim(p);
    } else if (e.isFile() && TRIM_FILE.test(e.name) && !/\.(js|cjs|mjs|json|node)$/.test(e.name)) fs.rmSync(p);
  }
}

/**
 * The entries of a directory tree as a layer placed at `at` (e.g. `usr/local/`), sorted, parents
 * first: directories 0755, files 0755 when executable else 0644, symlinks as links.
 */
export function treeEntries(root: string, at: string): TarFile[] {
  const out: TarFile[] = [];
  const parts = at.split('/').filter(Boolean);
  for (let i = 1; i <= parts.length; i++) out.push({ path: `${parts.slice(0, i).join('/')}/` });
  const walk = (dir: string, rel: string) => {
    const names = fs.readdirSync(dir).sort();
    for (const name of names) {
      const p = path.join(dir, name);
      const r = `${rel}${name}`;
      const s = fs.lstatSync(p);
      if (s.isSymbolicLink()) out.push({ path: r, symlink: fs.readlinkSync(p) });
      else if (s.isDirectory()) {
        out.push({ path: `${r}/` });
        walk(p, `${r}/`);
      } else if (s.isFile()) out.push({ path: r, fromFile: p, mode: s.mode & 0o111 ? 0o755 : 0o644 });
    }
  };
  walk(root, parts.length ? `${parts.join('/')}/` : '');
  return out;
}

/** A layer written to disk: its gzip blob descriptor and its diff id (sha256 of the tar). */
export interface WrittenLayer {
  file: string;
  descriptor: Descriptor;
  diffId: string;
}

/** Streams the entries as a gzip tar layer into `file`, hashing the tar and the blob as they pass. */
export async function writeLayer(entries: TarFile[], file: string): Promise<WrittenLayer> {
  const tarHash = crypto.createHash('sha256');
  const blobHash = crypto.createHash('sha256');
  let size = 0;
  const tap = (hash: crypto.Hash, count = false) =>
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        if (count) size += chunk.length;
        done(null, chunk);
      },
    });
  await pipeline(
    Readable.from(tarChunks(entries)),
    tap(tarHash),
    zlib.createGzip({ level: 9 }),
    tap(blobHash, true),
    fs.createWriteStream(file),
  );
  return {
    file,
    descriptor: { mediaType: MEDIA.layerGzip, digest: `sha256:${blobHash.digest('hex')}`, size },
    diffId: `sha256:${tarHash.digest('hex')}`,
  };
}

/** Docker's layer media types and the OCI ones of the same bytes. */
const OCI_LAYER_OF: Readonly<Record<string, string>> = {
  'application/vnd.docker.image.rootfs.diff.tar.gzip': MEDIA.layerGzip,
  'application/vnd.docker.image.rootfs.diff.tar': 'application/vnd.oci.image.layer.v1.tar',
};

interface ManifestJson {
  mediaType?: string;
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
}

const readJson = async <T>(reader: ImageReader, d: Descriptor, manifest: boolean): Promise<T> =>
  JSON.parse((manifest ? await reader.manifest(d) : await reader.read(d.digest, 0, d.size)).toString('utf8')) as T;

/** The base's manifest for the platform: the root itself, or its child for `os/arch` when it is an index. */
export async function baseManifest(
  reader: ImageReader,
  platform: string,
): Promise<{ desc: Descriptor; json: ManifestJson }> {
  let desc = await reader.root();
  for (let depth = 0; depth < 4; depth++) {
    const json = await readJson<ManifestJson>(reader, desc, true);
    if (!INDEX_TYPES.has(desc.mediaType || json.mediaType || '') && !json.manifests) return { desc, json };
    const [os, arch] = platform.split('/');
    const hit = (json.manifests ?? []).find((m) => m.platform?.os === os && m.platform?.architecture === arch);
    if (!hit)
      throw new InvalidArgumentError(
        `the base image has no ${platform} manifest (it has ${(json.manifests ?? []).map((m) => `${m.platform?.os}/${m.platform?.architecture}`).join(', ')})`,
        { platform },
      );
    desc = hit;
  }
  throw new InvalidArgumentError('the base image nests indexes too deep', {});
}

export interface WorkerImageInput {
  base: ImageReader;
  /** What the base was given as, recorded in the org.opencontainers.image.base.name label. */
  baseName: string;
  platform: string;
  layer: WrittenLayer;
  version: string;
  /** The config's `created` (default the epoch, for reproducible digests). */
  created?: string;
}

/** The built image: its manifest, and every blob either in memory or in a file, by digest. */
export interface WorkerImage {
  manifest: Descriptor;
  /** Blobs made here (config, manifest) and the layer's file; the base's stay in the base reader. */
  blobs: Map<string, Buffer | string>;
  /** Every blob of the image in layer order: the base's layers, then the package layer. */
  layers: Descriptor[];
  config: Record<string, unknown>;
}

/** Puts the package layer on the base and writes the worker's config; reads only the base's manifest and config. */
export async function composeWorkerImage(input: WorkerImageInput): Promise<WorkerImage> {
  const { desc: baseDesc, json: base } = await baseManifest(input.base, input.platform);
  if (!base.config) throw new InvalidArgumentError(`the base manifest ${baseDesc.digest} has no config`, {});
  const baseConfig = await readJson<{
    architecture?: string;
    os?: string;
    config?: { Env?: string[]; Labels?: Record<string, string>; ExposedPorts?: Record<string, object> };
    rootfs?: { diff_ids?: string[] };
    history?: unknown[];
  }>(input.base, base.config, false);
  const [os = 'linux', architecture = 'amd64'] = input.platform.split('/');
  if (baseConfig.architecture && baseConfig.architecture !== architecture)
    throw new InvalidArgumentError(
      `the base image is ${baseConfig.os}/${baseConfig.architecture}, not ${input.platform}`,
      {
        platform: input.platform,
      },
    );
  const created = input.created ?? '1970-01-01T00:00:00Z';
  const c = WORKER_IMAGE_CONFIG;
  const ours = Object.entries(c.Env).map(([k, v]) => `${k}=${v}`);
  const env = [...(baseConfig.config?.Env ?? []).filter((e) => !(e.split('=')[0]! in c.Env)), ...ours];
  const config = {
    ...baseConfig,
    created,
    architecture,
    os,
    config: {
      ...baseConfig.config,
      Entrypoint: [...c.Entrypoint],
      Cmd: [...c.Cmd],
      User: c.User,
      WorkingDir: c.WorkingDir,
      Env: env,
      ExposedPorts: {
        ...baseConfig.config?.ExposedPorts,
        ...Object.fromEntries(c.ExposedPorts.map((p) => [p, {}])),
      },
      Labels: {
        ...baseConfig.config?.Labels,
        'org.opencontainers.image.title': 'gkeflow-worker',
        'org.opencontainers.image.description': 'The gkeflow Temporal worker: GKE environments as workflows',
        'org.opencontainers.image.version': input.version,
        'org.opencontainers.image.licenses': 'Apache-2.0',
        'org.opencontainers.image.base.name': input.baseName,
        'org.opencontainers.image.base.digest': baseDesc.digest,
      },
    },
    rootfs: { type: 'layers', diff_ids: [...(baseConfig.rootfs?.diff_ids ?? []), input.layer.diffId] },
    history: [
      ...(baseConfig.history ?? []),
      { created, created_by: `gkeflow image worker: npm install -g gkeflow@${input.version} --omit=dev` },
    ],
  };
  const blobs = new Map<string, Buffer | string>();
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDesc: Descriptor = { mediaType: MEDIA.config, digest: sha256(configBytes), size: configBytes.length };
  blobs.set(configDesc.digest, configBytes);
  blobs.set(input.layer.descriptor.digest, input.layer.file);
  const layers = [
    ...(base.layers ?? []).map((l) => ({ ...l, mediaType: OCI_LAYER_OF[l.mediaType] ?? l.mediaType })),
    input.layer.descriptor,
  ];
  const manifestBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.manifest,
      config: configDesc,
      layers,
      annotations: { 'org.opencontainers.image.base.digest': baseDesc.digest },
    }),
  );
  const manifest: Descriptor = {
    mediaType: MEDIA.manifest,
    digest: sha256(manifestBytes),
    size: manifestBytes.length,
    platform: { architecture, os },
  };
  blobs.set(manifest.digest, manifestBytes);
  return { manifest, blobs, layers, config };
}

/**
 * Writes the image as an OCI image layout directory (the base's layers copied from its reader in
 * 8 MiB reads), tagged `tag` in index.json; returns the directory. Any registry tool reads it
 * (`skopeo copy oci:DIR:TAG docker://…`), and gkeflow's own copy pushes it.
 */
export async function writeWorkerLayout(image: WorkerImage, base: ImageReader, dir: string, tag: string) {
  const blobDir = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobDir, { recursive: true });
  const target = (digest: string) => path.join(blobDir, digest.slice('sha256:'.length));
  for (const [digest, blob] of image.blobs)
    if (typeof blob === 'string') fs.copyFileSync(blob, target(digest));
    else fs.writeFileSync(target(digest), blob);
  for (const l of image.layers) {
    if (image.blobs.has(l.digest) || fs.existsSync(target(l.digest))) continue;
    const tmp = `${target(l.digest)}.part`;
    const fd = fs.openSync(tmp, 'w');
    const hash = crypto.createHash('sha256');
    try {
      for (let at = 0; at < l.size;) {
        const chunk = await base.read(l.digest, at, Math.min(8 << 20, l.size - at));
        if (!chunk.length)
          throw new InvalidArgumentError(`base blob ${l.digest} ended at ${at} of ${l.size} bytes`, {});
        hash.update(chunk);
        fs.writeSync(fd, chunk);
        at += chunk.length;
      }
    } finally {
      fs.closeSync(fd);
    }
    if (`sha256:${hash.digest('hex')}` !== l.digest)
      throw new InvalidArgumentError(`base blob ${l.digest} does not match its digest`, { digest: l.digest });
    fs.renameSync(tmp, target(l.digest));
  }
  fs.writeFileSync(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: [{ ...image.manifest, annotations: { [REF_NAME_ANNOTATION]: tag } }],
  };
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify(index));
  return dir;
}
