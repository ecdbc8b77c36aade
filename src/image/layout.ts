/**
 * Writes an in-memory image as an OCI image layout directory or an OCI archive (the same
 * layout in one uncompressed tar, as `skopeo copy oci-archive:` and `docker load` read).
 */
import fs from 'node:fs';
import path from 'node:path';
import { MEDIA, REF_NAME_ANNOTATION, type BuiltImage } from './oci';
import { createTar, type TarFile } from './tar';

const OCI_LAYOUT = JSON.stringify({ imageLayoutVersion: '1.0.0' });

function layoutFiles(image: BuiltImage, tag: string): TarFile[] {
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: [{ ...image.manifest, annotations: { [REF_NAME_ANNOTATION]: tag } }],
  };
  return [
    { path: 'oci-layout', content: OCI_LAYOUT },
    { path: 'index.json', content: JSON.stringify(index) },
    { path: 'blobs/' },
    { path: 'blobs/sha256/' },
    ...[...image.blobs].map(([digest, data]) => ({
      path: `blobs/sha256/${digest.slice('sha256:'.length)}`,
      content: data,
    })),
  ];
}

/** Writes an OCI image layout directory (oci-layout, index.json, blobs/sha256/…); returns dir. */
export function writeOciLayout(image: BuiltImage, dir: string, tag = 'latest'): string {
  for (const f of layoutFiles(image, tag)) {
    const p = path.join(dir, f.path);
    if (f.path.endsWith('/')) fs.mkdirSync(p, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, f.content ?? '');
    }
  }
  return dir;
}

/** Writes an OCI archive (a tar of the layout); returns its path. */
export function writeOciArchive(image: BuiltImage, file: string, tag = 'latest'): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, createTar(layoutFiles(image, tag)));
  fs.renameSync(tmp, file);
  return file;
}
