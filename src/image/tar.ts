/**
 * A tar writer and an index reader: enough for OCI image layers and OCI archives. The writer is
 * deterministic (mtime 0, uid/gid 0, no user or group names) so the same entries always give the
 * same bytes and digest. Names and link targets that do not fit ustar's fields, and sizes past
 * its 8 GiB, go in a PAX extended header (POSIX.1-2001), which GNU tar, bsdtar, Go's archive/tar
 * and containerd all read; everything else is plain ustar, byte for byte what this writer always wrote.
 */
import fs from 'node:fs';

export interface TarFile {
  /** Relative path; a trailing `/` makes a directory. */
  path: string;
  content?: Buffer | string;
  /** A regular file's bytes read from this file on disk when the archive is written (not held in memory). */
  fromFile?: string;
  /** Makes the entry a symbolic link to this target (no content). */
  symlink?: string;
  /** Permission bits (default 0755 for directories and symlinks' own mode 0777, 0644 for files). */
  mode?: number;
}

const BLOCK = 512;
/** ustar's size field holds 11 octal digits. */
const USTAR_MAX_SIZE = 8 ** 11 - 1;

type EntryType = '0' | '2' | '5' | 'x';

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

/** Splits a name into ustar's prefix (≤155 bytes) and name (≤100 bytes) at a `/`; undefined if it cannot. */
function ustarSplit(name: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(name) <= 100) return { prefix: '', name };
  for (let i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest) return { prefix, name: rest };
  }
  return undefined;
}

interface Header {
  name: string;
  prefix?: string;
  size: number;
  mode: number;
  type: EntryType;
  link?: string;
}

function header(h: Header): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(h.name, 0, 100, 'utf8');
  b.write(octal(h.mode, 8), 100);
  b.write(octal(0, 8), 108); // uid
  b.write(octal(0, 8), 116); // gid
  b.write(octal(h.size, 12), 124);
  b.write(octal(0, 12), 136); // mtime: fixed, for reproducible digests
  b.write('        ', 148); // checksum placeholder
  b.write(h.type, 156);
  if (h.link) b.write(h.link, 157, 100, 'utf8');
  b.write('ustar\0', 257);
  b.write('00', 263);
  if (h.prefix) b.write(h.prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const x of b) sum += x;
  b.write(octal(sum, 7) + ' ', 148);
  return b;
}

/** One PAX record, `<length> <key>=<value>\n`, whose length counts itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body);
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

const pad = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** The header blocks of one entry: a PAX header first when ustar cannot hold its name, link or size. */
function entryHeaders(name: string, size: number, mode: number, type: EntryType, link?: string): Buffer[] {
  const split = ustarSplit(name);
  const records: string[] = [];
  if (!split) records.push(paxRecord('path', name));
  if (link !== undefined && Buffer.byteLength(link) > 100) records.push(paxRecord('linkpath', link));
  if (size > USTAR_MAX_SIZE) records.push(paxRecord('size', String(size)));
  const out: Buffer[] = [];
  if (records.length) {
    const data = Buffer.from(records.join(''));
    // The PAX header's own name is informative only; GNU tar's shape, cut to fit.
    const base = name.replace(/\/$/, '').split('/').pop() ?? '';
    const paxName = `PaxHeaders.0/${Buffer.from(base)
      .subarray(0, 80)
      .toString('utf8')
      .replace(/\uFFFD/g, '')}`;
    out.push(header({ name: paxName, size: data.length, mode: 0o644, type: 'x' }), data, pad(data.length));
  }
  const fallback = Buffer.from(name)
    .subarray(0, 100)
    .toString('utf8')
    .replace(/\uFFFD/g, '');
  out.push(
    header({
      name: split ? split.name : fallback,
      prefix: split?.prefix,
      size: size > USTAR_MAX_SIZE ? 0 : size,
      mode,
      type,
      link: link !== undefined && Buffer.byteLength(link) <= 100 ? link : undefined,
    }),
  );
  return out;
}

/** The archive as a sequence of chunks, in the given order; file contents are read as they come. */
export function* tarChunks(files: Iterable<TarFile>): Generator<Buffer> {
  for (const f of files) {
    if (f.symlink !== undefined) {
      yield* entryHeaders(f.path.replace(/\/$/, ''), 0, f.mode ?? 0o777, '2', f.symlink);
    } else if (f.path.endsWith('/')) {
      yield* entryHeaders(f.path, 0, f.mode ?? 0o755, '5');
    } else {
      const data =
        f.fromFile !== undefined
          ? fs.readFileSync(f.fromFile)
          : typeof f.content === 'string'
            ? Buffer.from(f.content)
            : (f.content ?? Buffer.alloc(0));
      yield* entryHeaders(f.path, data.length, f.mode ?? 0o644, '0');
      yield data;
      const p = pad(data.length);
      if (p.length) yield p;
    }
  }
  yield Buffer.alloc(BLOCK * 2);
}

/** Builds a tar archive of the files, in the given order. */
export function createTar(files: TarFile[]): Buffer {
  return Buffer.concat([...tarChunks(files)]);
}

/** Where a regular file's bytes sit inside a tar file. */
export interface TarEntry {
  offset: number;
  size: number;
}

/** The `path` and `size` records of a PAX extended header's data. */
function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space < 0) break;
    const len = parseInt(data.toString('latin1', i, space), 10);
    if (!(len > 0)) break;
    const rec = data.toString('utf8', space + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/** Indexes the regular files of a tar file on disk by path (headers only; data is not read). */
export function indexTar(file: string): Map<string, TarEntry> {
  const fd = fs.openSync(file, 'r');
  try {
    const entries = new Map<string, TarEntry>();
    const h = Buffer.alloc(BLOCK);
    let pos = 0;
    let longName: string | undefined;
    let pax: Record<string, string> = {};
    const dataOf = (at: number, size: number) => {
      const b = Buffer.alloc(size);
      fs.readSync(fd, b, 0, size, at);
      return b;
    };
    for (;;) {
      if (fs.readSync(fd, h, 0, BLOCK, pos) < BLOCK || h.every((b) => b === 0)) break;
      let size = parseInt(h.toString('latin1', 124, 136).replace(/\0.*$/, '').trim() || '0', 8);
      const type = String.fromCharCode(h[156] ?? 0);
      const prefix = h.toString('utf8', 345, 500).replace(/\0.*$/s, '');
      let name = h.toString('utf8', 0, 100).replace(/\0.*$/s, '');
      if (prefix) name = `${prefix}/${name}`;
      const dataAt = pos + BLOCK;
      if (type === 'L') {
        // GNU long name: the next entry's name is this entry's data.
        longName = dataOf(dataAt, size).toString('utf8').replace(/\0.*$/s, '');
      } else if (type === 'x') {
        pax = parsePax(dataOf(dataAt, size));
      } else {
        if (pax.size !== undefined) size = Number(pax.size);
        if (type === '0' || type === '\0')
          entries.set((pax.path ?? longName ?? name).replace(/^\.\//, ''), { offset: dataAt, size });
        longName = undefined;
        pax = {};
      }
      pos = dataAt + Math.ceil(size / BLOCK) * BLOCK;
    }
    return entries;
  } finally {
    fs.closeSync(fd);
  }
}
