/**
 * A minimal ustar tar writer and an index reader: enough for OCI image layers and OCI archives,
 * deterministic (mtime 0, uid/gid 0) so the same content always has the same digest.
 */
import fs from 'node:fs';

export interface TarFile {
  /** Relative path; a trailing `/` makes a directory. */
  path: string;
  content?: Buffer | string;
  mode?: number;
}

const BLOCK = 512;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, mode: number, type: '0' | '5'): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar path longer than 100 bytes: ${name}`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100);
  h.write(octal(0, 8), 108); // uid
  h.write(octal(0, 8), 116); // gid
  h.write(octal(size, 12), 124);
  h.write(octal(0, 12), 136); // mtime: fixed, for reproducible digests
  h.write('        ', 148); // checksum placeholder
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148);
  return h;
}

/** Builds a tar archive of the files, in the given order. */
export function createTar(files: TarFile[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    if (f.path.endsWith('/')) {
      parts.push(header(f.path, 0, f.mode ?? 0o755, '5'));
      continue;
    }
    const data = typeof f.content === 'string' ? Buffer.from(f.content) : (f.content ?? Buffer.alloc(0));
    parts.push(header(f.path, data.length, f.mode ?? 0o644, '0'), data);
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** Where a regular file's bytes sit inside a tar file. */
export interface TarEntry {
  offset: number;
  size: number;
}

/** Indexes the regular files of a tar file on disk by path (headers only; data is not read). */
export function indexTar(file: string): Map<string, TarEntry> {
  const fd = fs.openSync(file, 'r');
  try {
    const entries = new Map<string, TarEntry>();
    const h = Buffer.alloc(BLOCK);
    let pos = 0;
    let longName: string | undefined;
    for (;;) {
      if (fs.readSync(fd, h, 0, BLOCK, pos) < BLOCK || h.every((b) => b === 0)) break;
      const size = parseInt(h.toString('latin1', 124, 136).replace(/\0.*$/, '').trim() || '0', 8);
      const type = String.fromCharCode(h[156] ?? 0);
      const prefix = h.toString('utf8', 345, 500).replace(/\0.*$/s, '');
      let name = h.toString('utf8', 0, 100).replace(/\0.*$/s, '');
      if (prefix) name = `${prefix}/${name}`;
      const dataAt = pos + BLOCK;
      if (type === 'L') {
        // GNU long name: the next entry's name is this entry's data.
        const b = Buffer.alloc(size);
        fs.readSync(fd, b, 0, size, dataAt);
        longName = b.toString('utf8').replace(/\0.*$/s, '');
      } else {
        if (type === '0' || type === '\0')
          entries.set((longName ?? name).replace(/^\.\//, ''), { offset: dataAt, size });
        longName = undefined;
      }
      pos = dataAt + Math.ceil(size / BLOCK) * BLOCK;
    }
    return entries;
  } finally {
    fs.closeSync(fd);
  }
}
