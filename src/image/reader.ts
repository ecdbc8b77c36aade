/**
 * Read access to a source image, whatever holds it: an in-memory image, an OCI layout
 * directory or an OCI archive. (The registry-backed reader lives in src/clients/distribution.ts.)
 * Blobs are read by range so large layers are never loaded whole.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ImageNotFoundError, InvalidArgumentError } from '../contract/activity-errors';
import { REF_NAME_ANNOTATION, type BuiltImage, type Descriptor } from './oci';
import { indexTar } from './tar';

export interface ImageReader {
  /** What is being copied: the manifest (or index) the source's tag points at. */
  root(): Promise<Descriptor>;
  /** The bytes of a manifest or index the image references (the root or a child of an index). */
  manifest(d: Descriptor): Promise<Buffer>;
  /** `length` bytes of a blob from `offset`. */
  read(digest: string, offset: number, length: number): Promise<Buffer>;
  /** Where the source lives in a registry, so the destination can mount from it. */
  readonly origin?: { base: string; name: string };
  close(): Promise<void>;
}

/** Reads a whole (small) blob or manifest from a reader whose manifests are blobs. */
function readWhole(this: ImageReader, d: Descriptor): Promise<Buffer> {
  return this.read(d.digest, 0, d.size);
}

/** Picks the manifest a tag names in a layout's index.json (the only one when no tag is given). */
export function pickFromIndex(indexJson: Buffer, tag: string | undefined, where: string): Descriptor {
  let index: { manifests?: Descriptor[] };
  try {
    index = JSON.parse(indexJson.toString('utf8')) as { manifests?: Descriptor[] };
  } catch {
    throw new InvalidArgumentError(`${where}: index.json is not JSON`, { source: where });
  }
  const manifests = index.manifests ?? [];
  if (tag !== undefined) {
    const hit = manifests.find((m) => m.annotations?.[REF_NAME_ANNOTATION] === tag);
    if (!hit)
      throw new ImageNotFoundError(
        `${where}: no image tagged "${tag}" (tags: ${manifests.map((m) => m.annotations?.[REF_NAME_ANNOTATION] ?? '-').join(', ')})`,
        { source: where, tag },
      );
    return hit;
  }
  if (manifests.length !== 1)
    throw new InvalidArgumentError(`${where}: holds ${manifests.length} images; name one with :<tag>`, {
      source: where,
    });
  return manifests[0]!;
}

const blobPath = (digest: string) => {
  const [alg, hex] = digest.split(':');
  if (!alg || !hex || !/^[a-z0-9]+$/.test(alg) || !/^[a-f0-9]+$/.test(hex))
    throw new InvalidArgumentError(`malformed digest ${digest}`, { digest });
  return `blobs/${alg}/${hex}`;
};

/** An image held in memory (the builtin demo image). */
export function memoryReader(image: BuiltImage): ImageReader {
  return {
    root: async () => image.manifest,
    manifest: readWhole,
    read: async (digest, offset, length) => {
      const b = image.blobs.get(digest);
      if (!b) throw new ImageNotFoundError(`blob ${digest} not in the image`, { digest });
      return b.subarray(offset, offset + length);
    },
    close: async () => {},
  };
}

function readRange(file: string, position: number, length: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(length);
    const n = fs.readSync(fd, b, 0, length, position);
    return b.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** An OCI image layout directory. */
export function ociLayoutReader(dir: string, tag?: string): ImageReader {
  const indexFile = path.join(dir, 'index.json');
  if (!fs.existsSync(indexFile))
    throw new ImageNotFoundError(`${dir} is not an OCI layout (no index.json)`, { source: dir });
  return {
    root: async () => pickFromIndex(fs.readFileSync(indexFile), tag, dir),
    manifest: readWhole,
    read: async (digest, offset, length) => {
      const f = path.join(dir, blobPath(digest));
      if (!fs.existsSync(f)) throw new ImageNotFoundError(`${dir}: blob ${digest} is missing`, { source: dir, digest });
      return readRange(f, offset, length);
    },
    close: async () => {},
  };
}

/** An OCI archive: the layout in one tar (uncompressed). */
export function ociArchiveReader(file: string, tag?: string): ImageReader {
  if (!fs.existsSync(file)) throw new ImageNotFoundError(`no such OCI archive: ${file}`, { source: file });
  const entries = indexTar(file);
  const entry = (p: string) => {
    const e = entries.get(p);
    if (!e) throw new ImageNotFoundError(`${file}: ${p} is missing from the archive`, { source: file, entry: p });
    return e;
  };
  return {
    root: async () => {
      const e = entry('index.json');
      return pickFromIndex(readRange(file, e.offset, e.size), tag, file);
    },
    manifest: readWhole,
    read: async (digest, offset, length) => {
      const e = entry(blobPath(digest));
      return readRange(file, e.offset + offset, Math.max(0, Math.min(length, e.size - offset)));
    },
    close: async () => {},
  };
}
