// The tar writer read back by the system's GNU tar: long names and link targets (PAX), symlinks,
// modes and fixed mtimes survive another tool, and the same entries always give the same bytes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createTar, indexTar, type TarFile } from '../../../src/image/tar';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-tar-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const deep = `${'node_modules/@scope/a-package-with-a-long-name/'.repeat(4)}lib`; // 191 bytes: no ustar split fits
const long255 = `${'d'.repeat(120)}/${'f'.repeat(130)}.js`; // name part over 100 bytes
const splittable = `${'p'.repeat(90)}/${'q'.repeat(60)}/file.txt`; // fits ustar's prefix + name
const target = `../${'t'.repeat(150)}/bin/cli.js`;
const files: TarFile[] = [
  { path: `${deep}/` },
  { path: `${deep}/index.js`, content: 'module.exports = 1;\n' },
  { path: `${'d'.repeat(120)}/` },
  { path: long255, content: 'long\n', mode: 0o600 },
  { path: `${'p'.repeat(90)}/` },
  { path: `${'p'.repeat(90)}/${'q'.repeat(60)}/` },
  { path: splittable, content: 'split\n' },
  { path: 'bin/' },
  { path: 'bin/tool', content: '#!/bin/sh\necho hi\n', mode: 0o755 },
  { path: 'bin/short-link', symlink: 'tool' },
  { path: 'bin/long-link', symlink: target },
  { path: 'bin/naïve-ünïcode.txt', content: 'ü\n' },
  { path: 'empty', content: '' },
];

const extract = (archive: string) => {
  const dir = fs.mkdtempSync(path.join(tmp, 'x-'));
  execFileSync('tar', ['-xf', archive, '-C', dir]);
  return dir;
};

void describe('tar writer', () => {
  const archive = path.join(tmp, 'a.tar');
  fs.writeFileSync(archive, createTar(files));

  void it('writes names and link targets over 100 bytes that GNU tar lists and extracts', () => {
    const listed = execFileSync('tar', ['-tf', archive], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(
      listed,
      files.map((f) => f.path),
    );
    const dir = extract(archive);
    assert.equal(fs.readFileSync(path.join(dir, deep, 'index.js'), 'utf8'), 'module.exports = 1;\n');
    assert.equal(fs.readFileSync(path.join(dir, long255), 'utf8'), 'long\n');
    assert.equal(fs.readFileSync(path.join(dir, splittable), 'utf8'), 'split\n');
    assert.equal(fs.readFileSync(path.join(dir, 'bin/naïve-ünïcode.txt'), 'utf8'), 'ü\n');
    assert.equal(fs.readFileSync(path.join(dir, 'empty'), 'utf8'), '');
  });

  void it('writes symlinks, short and long, as links', () => {
    const dir = extract(archive);
    assert.ok(fs.lstatSync(path.join(dir, 'bin/short-link')).isSymbolicLink());
    assert.equal(fs.readlinkSync(path.join(dir, 'bin/short-link')), 'tool');
    assert.equal(fs.readlinkSync(path.join(dir, 'bin/long-link')), target);
    assert.equal(fs.readFileSync(path.join(dir, 'bin/short-link'), 'utf8'), '#!/bin/sh\necho hi\n');
  });

  void it('keeps modes, and fixes mtime, owner and group', () => {
    const dir = extract(archive);
    assert.equal(fs.statSync(path.join(dir, 'bin/tool')).mode & 0o777, 0o755);
    assert.equal(fs.statSync(path.join(dir, long255)).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(dir, 'empty')).mode & 0o777, 0o644 & ~process.umask());
    assert.equal(fs.statSync(path.join(dir, 'bin/tool')).mtimeMs, 0);
    const verbose = execFileSync('tar', ['-tvf', archive, '--numeric-owner', '--full-time'], { encoding: 'utf8' });
    for (const line of verbose.trim().split('\n')) assert.match(line, / 0\/0 .* 1970-01-01 00:00:00 /, line);
  });

  void it('gives the same bytes for the same entries, and reads file contents from disk', () => {
    const onDisk = path.join(tmp, 'payload.bin');
    fs.writeFileSync(onDisk, Buffer.alloc(70_000, 3));
    const a = createTar([...files, { path: 'payload.bin', fromFile: onDisk }]);
    const b = createTar([...files, { path: 'payload.bin', content: Buffer.alloc(70_000, 3) }]);
    assert.ok(a.equals(b));
    assert.ok(createTar(files).equals(fs.readFileSync(archive)));
  });

  void it("indexes PAX-named entries with its own reader, as GNU tar's long-name entries", () => {
    const idx = indexTar(archive);
    assert.ok(idx.has(long255) && idx.has(`${deep}/index.js`) && idx.has(splittable));
    const gnu = path.join(tmp, 'gnu.tar');
    const src = fs.mkdtempSync(path.join(tmp, 'gnu-'));
    fs.mkdirSync(path.join(src, 'd'.repeat(120)));
    fs.writeFileSync(path.join(src, long255), 'gnu\n');
    execFileSync('tar', ['--format=gnu', '-cf', gnu, '-C', src, long255]);
    const e = indexTar(gnu).get(long255);
    assert.equal(e?.size, 4);
  });
});
