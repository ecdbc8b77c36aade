/**
 * A `docker save` archive as a source image, the bridge from the docker workflow users have:
 * manifest.json names the config and the layer tars (`<id>/layer.tar`, or `blobs/sha256/<hex>`
 * from Docker 25 on). It is read as one OCI image manifest (config + uncompressed layers, each
 * digest the sha256 of its bytes, which is also the layer's diff id), built in memory; blobs are
 * read by range from the archive, never loaded whole.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { ImageNotFoundError, InvalidArgumentError } from '../contract/activity-errors';
import type { Descriptor } from './oci';
import type { ImageReader } from './reader';
import { indexTar, type TarEntry } from './tar';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';

/** sha256 of a tar entry's bytes, read in 1 MiB chunks. */
function entryDigest(fd: number, e: TarEntry): string {
  const hash = crypto.createHash('sha256');
  const buf = Buffer.alloc(1024 * 1024);
  for (let done = 0; done < e.size;) {
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, e.size - done), e.offset + done);
    if (n <= 0) break;
    hash.update(buf.subarray(0, n));
    done += n;
  }
  return `sha256:${hash.digest('hex')}`;
}

/** The image of a `docker save` archive (the first one when it holds several, or the one tagged `tag`). */
export function dockerArchiveReader(file: string, tag?: string): ImageReader {
  if (!fs.existsSync(file)) throw new ImageNotFoundError(`no such docker archive: ${file}`, { source: file });
  const entries = indexTar(file);
  const fd = fs.openSync(file, 'r');
  const entry = (p: string): TarEntry => {
    const e = entries.get(p);
    if (!e) throw new ImageNotFoundError(`${file}: ${p} is missing from the archive`, { source: file, entry: p });
    return e;
  };
  const text = (e: TarEntry) => {
    const b = Buffer.alloc(e.size);
    fs.readSync(fd, b, 0, e.size, e.offset);
    return b;
  };
  let images: Array<{ Config?: unknown; RepoTags?: unknown; Layers?: unknown }>;
  try {
    images = JSON.parse(text(entry('manifest.json')).toString('utf8')) as typeof images;
  } catch (e) {
    fs.closeSync(fd);
    throw e instanceof ImageNotFoundError
      ? e
      : new InvalidArgumentError(`${file}: manifest.json is not JSON`, { source: file });
  }
  const image = tag
    ? images.find((i) => Array.isArray(i.RepoTags) && i.RepoTags.some((t) => String(t).endsWith(`:${tag}`)))
    : images[0];
  if (!image || typeof image.Config !== 'string' || !Array.isArray(image.Layers)) {
    fs.closeSync(fd);
    throw new InvalidArgumentError(`${file}: manifest.json names no image${tag ? ` tagged ${tag}` : ''}`, {
      source: file,
    });
  }
  const blobs = new Map<string, TarEntry>();
  const describe = (p: string, mediaType: string): Descriptor => {
    const e = entry(p);
    const digest = entryDigest(fd, e);
    blobs.set(digest, e);
    return { mediaType, digest, size: e.size };
  };
  const config = describe(image.Config, OCI_CONFIG);
  const layers = image.Layers.map((l) => describe(String(l), OCI_LAYER));
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers }));
  const root: Descriptor = {
    mediaType: OCI_MANIFEST,
    digest: `sha256:${crypto.createHash('sha256').update(body).digest('hex')}`,
    size: body.length,
  };
  return {
    root: async () => root,
    manifest: async (d) => {
      if (d.digest !== root.digest)
        throw new ImageNotFoundError(`${file}: no manifest ${d.digest}`, { source: file, digest: d.digest });
      return body;
    },
    read: async (digest, offset, length) => {
      if (digest === root.digest) return body.subarray(offset, offset + length);
      const e = blobs.get(digest);
      if (!e) throw new ImageNotFoundError(`${file}: blob ${digest} is not in the archive`, { source: file, digest });
      const n = Math.max(0, Math.min(length, e.size - offset));
      const b = Buffer.alloc(n);
      fs.readSync(fd, b, 0, n, e.offset + offset);
      return b;
    },
    close: async () => fs.closeSync(fd),
  };
}
