import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import { buildDemoImage } from '../../../src/image/demo';
import { writeOciArchive, writeOciLayout } from '../../../src/image/layout';
import { MEDIA, sha256, type Descriptor } from '../../../src/image/oci';
import { ociArchiveReader, ociLayoutReader } from '../../../src/image/reader';
import { createTar, indexTar } from '../../../src/image/tar';

void describe('image builder', () => {
  void it('builds the demo image reproducibly with correct digests and sizes', () => {
    const a = buildDemoImage();
    const b = buildDemoImage();
    assert.equal(a.manifest.digest, b.manifest.digest);
    assert.notEqual(buildDemoImage({ message: 'other' }).manifest.digest, a.manifest.digest);
    for (const [digest, data] of a.blobs) assert.equal(sha256(data), digest);
    const manifest = JSON.parse(a.blobs.get(a.manifest.digest)!.toString()) as {
      mediaType: string;
      config: Descriptor;
      layers: Descriptor[];
    };
    assert.equal(manifest.mediaType, MEDIA.manifest);
    assert.equal(a.manifest.size, a.blobs.get(a.manifest.digest)!.length);
    for (const d of [manifest.config, ...manifest.layers]) assert.equal(a.blobs.get(d.digest)!.length, d.size);
    const config = JSON.parse(a.blobs.get(manifest.config.digest)!.toString()) as {
      rootfs: { diff_ids: string[] };
      config: { ExposedPorts: object };
    };
    const layer = zlib.gunzipSync(a.blobs.get(manifest.layers[0]!.digest)!);
    assert.equal(config.rootfs.diff_ids[0], sha256(layer), 'diff_id is the digest of the uncompressed layer');
    assert.deepEqual(Object.keys(config.config.ExposedPorts), ['8888/tcp']);
  });

  void it('writes tars that its own index reader (and GNU tar layout rules) read back', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-tar-'));
    const file = path.join(dir, 'x.tar');
    fs.writeFileSync(
      file,
      createTar([
        { path: 'd/' },
        { path: 'd/a.txt', content: 'hello' },
        { path: 'b.bin', content: Buffer.alloc(1000, 7) },
      ]),
    );
    const idx = indexTar(file);
    assert.deepEqual([...idx.keys()], ['d/a.txt', 'b.bin']);
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(5);
    fs.readSync(fd, buf, 0, 5, idx.get('d/a.txt')!.offset);
    fs.closeSync(fd);
    assert.equal(buf.toString(), 'hello');
    assert.equal(idx.get('b.bin')!.size, 1000);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  void it('writes an OCI layout and an OCI archive that read back to the same manifest, by tag', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-oci-'));
    const img = buildDemoImage();
    const layout = ociLayoutReader(writeOciLayout(img, path.join(dir, 'layout'), 'v1'), 'v1');
    const archive = ociArchiveReader(writeOciArchive(img, path.join(dir, 'img.tar'), 'v1'));
    for (const r of [layout, archive]) {
      const root = await r.root();
      assert.equal(root.digest, img.manifest.digest);
      assert.equal(sha256(await r.manifest(root)), img.manifest.digest);
    }
    assert.equal(
      JSON.parse(fs.readFileSync(path.join(dir, 'layout', 'oci-layout'), 'utf8')).imageLayoutVersion,
      '1.0.0',
    );
    await assert.rejects(ociLayoutReader(path.join(dir, 'layout'), 'nope').root(), { name: 'ImageNotFoundError' });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
