/**
 * What a container runtime does with an image, for tests on a machine without one: a base image
 * holding this machine's node (the binary and the shared libraries ldd names, at their paths),
 * and an unpacker that applies an image's layers in order into a rootfs, honouring OCI whiteouts.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MEDIA, sha256, type BuiltImage, type Descriptor } from '../../src/image/oci';
import type { ImageReader } from '../../src/image/reader';
import { createTar, type TarFile } from '../../src/image/tar';

const LAYER_TAR = 'application/vnd.oci.image.layer.v1.tar';

/** The files ldd says node loads (resolved), as absolute paths. */
function nodeLibraries(node: string): string[] {
  return execFileSync('ldd', [node], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(l)?.[1])
    .filter((p): p is string => !!p);
}

/** Directory entries for every parent of the paths, parents first. */
function parents(paths: string[]): TarFile[] {
  const dirs = new Set<string>();
  for (const p of paths) {
    const parts = p.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(`${parts.slice(0, i).join('/')}/`);
  }
  return [...dirs].sort().map((d) => ({ path: d }));
}

/**
 * A Node base image as a two-platform index: linux/amd64 is this machine's node at
 * /usr/local/bin/node (where Node's official images have it) with its libraries and /usr/bin/env,
 * plus a second layer that whites out a file of the first; linux/arm64 is a stub. Uncompressed
 * layers (allowed by OCI), so the 100 MB binary is not gzipped on every run.
 */
export function nodeBaseImage(): BuiltImage {
  const node = fs.realpathSync(process.execPath);
  const libs = nodeLibraries(node);
  const files: Array<[string, string]> = [
    ['usr/local/bin/node', node],
    ['usr/bin/env', fs.realpathSync('/usr/bin/env')],
    ...libs.map((l) => [l.slice(1), fs.realpathSync(l)] as [string, string]),
  ];
  const first = createTar([
    ...parents([...files.map(([p]) => p), 'etc/stale']),
    ...files.map(([p, from]) => ({ path: p, fromFile: from, mode: 0o755 })),
    { path: 'etc/stale', content: 'removed by the next layer\n' },
  ]);
  const second = createTar([
    { path: 'etc/' },
    { path: 'etc/.wh.stale' },
    { path: 'etc/base-release', content: 'test base\n' },
  ]);
  const blobs = new Map<string, Buffer>();
  const put = (mediaType: string, b: Buffer): Descriptor => {
    blobs.set(sha256(b), b);
    return { mediaType, digest: sha256(b), size: b.length };
  };
  const manifest = (architecture: string, layers: Buffer[]): Descriptor => {
    const config = put(
      MEDIA.config,
      Buffer.from(
        JSON.stringify({
          architecture,
          os: 'linux',
          config: {
            Env: [
              'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
              `NODE_VERSION=${process.versions.node}`,
            ],
            Cmd: ['node'],
          },
          rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l)) },
          history: layers.map(() => ({ created_by: 'test base' })),
        }),
      ),
    );
    const body = { schemaVersion: 2, mediaType: MEDIA.manifest, config, layers: layers.map((l) => put(LAYER_TAR, l)) };
    return { ...put(MEDIA.manifest, Buffer.from(JSON.stringify(body))), platform: { architecture, os: 'linux' } };
  };
  const manifests = [manifest('amd64', [first, second]), manifest('arm64', [createTar([{ path: 'arm64' }])])];
  const index = put(MEDIA.index, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.index, manifests })));
  return { blobs, manifest: index };
}

/** Reads a whole blob into a file, checking its digest. */
async function fetchBlob(reader: ImageReader, d: Descriptor, file: string): Promise<void> {
  const fd = fs.openSync(file, 'w');
  const hash = crypto.createHash('sha256');
  try {
    for (let at = 0; at < d.size;) {
      const chunk = await reader.read(d.digest, at, Math.min(8 << 20, d.size - at));
      if (!chunk.length) throw new Error(`blob ${d.digest} ended early`);
      hash.update(chunk);
      fs.writeSync(fd, chunk);
      at += chunk.length;
    }
  } finally {
    fs.closeSync(fd);
  }
  if (`sha256:${hash.digest('hex')}` !== d.digest) throw new Error(`blob ${d.digest} does not match its digest`);
}

/** The image's manifest and config, read through a reader whose root is a manifest. */
export async function readImage(reader: ImageReader) {
  const root = await reader.root();
  const manifest = JSON.parse((await reader.manifest(root)).toString()) as { config: Descriptor; layers: Descriptor[] };
  const config = JSON.parse((await reader.read(manifest.config.digest, 0, manifest.config.size)).toString()) as {
    architecture: string;
    config: {
      Entrypoint: string[];
      Cmd: string[];
      User: string;
      WorkingDir: string;
      Env: string[];
      ExposedPorts: Record<string, object>;
      Labels: Record<string, string>;
    };
    rootfs: { diff_ids: string[] };
    history: unknown[];
  };
  return { root, manifest, config };
}

/**
 * Applies the layers in order into `rootfs` with GNU tar, as a runtime does: a layer's whiteouts
 * (`.wh.NAME` removes NAME, `.wh..wh..opq` empties its directory) act on what lies below first.
 */
export async function unpackImage(reader: ImageReader, rootfs: string, work: string): Promise<void> {
  const { manifest } = await readImage(reader);
  fs.mkdirSync(rootfs, { recursive: true });
  for (const [i, layer] of manifest.layers.entries()) {
    const file = path.join(work, `layer-${i}`);
    await fetchBlob(reader, layer, file);
    const gz = layer.mediaType.endsWith('gzip') ? ['-z'] : [];
    const names = execFileSync('tar', [...gz, '-tf', file], { encoding: 'utf8', maxBuffer: 256 << 20 }).split('\n');
    for (const name of names) {
      const base = path.posix.basename(name);
      if (!base.startsWith('.wh.')) continue;
      const dir = path.join(rootfs, path.posix.dirname(name));
      if (base === '.wh..wh..opq')
        for (const e of fs.existsSync(dir) ? fs.readdirSync(dir) : [])
          fs.rmSync(path.join(dir, e), { recursive: true, force: true });
      else fs.rmSync(path.join(dir, base.slice('.wh.'.length)), { recursive: true, force: true });
    }
    execFileSync('tar', [...gz, '-xf', file, '-C', rootfs, '--no-same-owner', '--exclude=.wh.*']);
    fs.rmSync(file);
  }
}
