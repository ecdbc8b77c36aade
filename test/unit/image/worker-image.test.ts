// The worker image's parts without npm or a registry: the Dockerfile and the built config agree,
// the base's platform is picked from an index, the layer is reproducible, and bad flags are exit 2
// before anything is written.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, describe, it } from 'node:test';
import { InvalidArgumentError } from '../../../src/contract/activity-errors';
import { buildImage, MEDIA, sha256, type BuiltImage, type Descriptor } from '../../../src/image/oci';
import { memoryReader } from '../../../src/image/reader';
import {
  composeWorkerImage,
  treeEntries,
  WORKER_IMAGE_CONFIG,
  writeLayer,
  type WrittenLayer,
} from '../../../src/image/worker-image';
import { repoRoot } from '../../../src/paths';
import { runCli } from '../../helpers/cli';
import { copyImage } from '../../../src/activities/registry';
import { registryReader } from '../../../src/clients/registry-reader';
import { resolveRepository } from '../../../src/clients/registry';
import { ociLayoutReader } from '../../../src/image/reader';
import { writeWorkerLayout } from '../../../src/image/worker-image';
import { startFlakyRegistry } from '../../helpers/flaky-registry';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-worker-image-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The instructions of the Dockerfile the image config must equal. */
export function dockerfileConfig(text: string) {
  const lines = text.replace(/\\\n\s*/g, ' ').split('\n');
  const arg = (k: string) =>
    lines
      .find((l) => l.startsWith(`${k} `))
      ?.slice(k.length + 1)
      .trim() ?? '';
  return {
    Entrypoint: JSON.parse(arg('ENTRYPOINT')) as string[],
    Cmd: JSON.parse(arg('CMD')) as string[],
    User: arg('USER'),
    WorkingDir: arg('WORKDIR'),
    Env: Object.fromEntries(
      arg('ENV')
        .split(/\s+/)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string]),
    ),
    ExposedPorts: arg('EXPOSE')
      .split(/\s+/)
      .map((p) => `${p}/tcp`),
  };
}

/** A two-platform base: a Node-like amd64 image and an arm64 one, as a registry's index. */
function twoPlatformBase(): BuiltImage {
  const blobs = new Map<string, Buffer>();
  const manifests: Descriptor[] = [];
  for (const architecture of ['amd64', 'arm64']) {
    const img = buildImage({
      architecture,
      layers: [
        [
          { path: 'usr/' },
          { path: 'usr/local/' },
          { path: 'usr/local/bin/' },
          { path: `usr/local/bin/${architecture}` },
        ],
      ],
      config: {
        Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'GKEFLOW_TARGET=local'],
        Cmd: ['node'],
        Labels: { base: 'yes' },
      },
    });
    for (const [d, b] of img.blobs) blobs.set(d, b);
    manifests.push(img.manifest);
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.index, manifests }));
  blobs.set(sha256(index), index);
  return { blobs, manifest: { mediaType: MEDIA.index, digest: sha256(index), size: index.length } };
}

async function smallLayer(name: string): Promise<WrittenLayer> {
  const dir = fs.mkdtempSync(path.join(tmp, 'tree-'));
  fs.mkdirSync(path.join(dir, 'lib', 'node_modules', 'gkeflow', 'bin'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'lib', 'node_modules', 'gkeflow', 'bin', 'gkeflow.js'), '#!/usr/bin/env node\n', {
    mode: 0o755,
  });
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.symlinkSync('../lib/node_modules/gkeflow/bin/gkeflow.js', path.join(dir, 'bin', 'gkeflow'));
  return writeLayer(treeEntries(dir, '/usr/local'), path.join(tmp, name));
}

void describe('the worker image', () => {
  void it('states in its config what deploy/image/Dockerfile states', () => {
    const docker = dockerfileConfig(fs.readFileSync(path.join(repoRoot, 'deploy/image/Dockerfile'), 'utf8'));
    const c = WORKER_IMAGE_CONFIG;
    assert.deepEqual(docker, {
      Entrypoint: [...c.Entrypoint],
      Cmd: [...c.Cmd],
      User: c.User,
      WorkingDir: c.WorkingDir,
      Env: { ...c.Env },
      ExposedPorts: [...c.ExposedPorts],
    });
  });

  void it('writes a reproducible layer of a tree under /usr/local, symlinks kept, whose diff id is its tar', async () => {
    const a = await smallLayer('a.tar.gz');
    const b = await smallLayer('b.tar.gz');
    assert.equal(a.descriptor.digest, b.descriptor.digest);
    const blob = fs.readFileSync(a.file);
    assert.equal(sha256(blob), a.descriptor.digest);
    assert.equal(blob.length, a.descriptor.size);
    assert.equal(sha256(zlib.gunzipSync(blob)), a.diffId);
    assert.match(zlib.gunzipSync(blob).toString('latin1'), /usr\/local\/bin\/gkeflow\0/);
  });

  void it("puts the layer on the asked platform's base manifest, keeping the base's env and labels", async () => {
    const base = twoPlatformBase();
    const layer = await smallLayer('c.tar.gz');
    const image = await composeWorkerImage({
      base: memoryReader(base),
      baseName: 'reg/node:20',
      platform: 'linux/arm64',
      layer,
      version: '9.9.9',
    });
    const config = image.config as {
      architecture: string;
      config: { Env: string[]; Entrypoint: string[]; User: string; Labels: Record<string, string> };
      rootfs: { diff_ids: string[] };
    };
    assert.equal(config.architecture, 'arm64');
    assert.deepEqual(config.config.Entrypoint, ['gkeflow']);
    assert.equal(config.config.User, '1000:1000');
    assert.ok(config.config.Env.includes('PATH=/usr/local/bin:/usr/bin:/bin'), 'the base PATH is kept');
    assert.ok(config.config.Env.includes('GKEFLOW_TARGET=gcp') && !config.config.Env.includes('GKEFLOW_TARGET=local'));
    assert.equal(config.config.Labels.base, 'yes');
    assert.equal(config.config.Labels['org.opencontainers.image.version'], '9.9.9');
    assert.equal(config.config.Labels['org.opencontainers.image.base.name'], 'reg/node:20');
    assert.equal(config.rootfs.diff_ids.length, 2);
    assert.equal(config.rootfs.diff_ids[1], layer.diffId);
    assert.equal(image.layers.length, 2);
    assert.equal(image.layers[1]!.digest, layer.descriptor.digest);
    await assert.rejects(
      composeWorkerImage({ base: memoryReader(base), baseName: 'x', platform: 'linux/s390x', layer, version: '1' }),
      (e: Error) => e instanceof InvalidArgumentError && /no linux\/s390x manifest/.test(e.message),
    );
  });

  void it("pulls the base's platform from a registry index, writes a layout and pushes it (in-memory registry)", async () => {
    const reg = await startFlakyRegistry();
    try {
      const config = { target: 'local' as const, emulatorAddress: '127.0.0.1:1', registryAddress: reg.address };
      const o = { wait: {}, readWindow: 1 << 20 };
      await copyImage(
        memoryReader(twoPlatformBase()),
        resolveRepository(`${reg.address}/mirror/node`, config),
        '20',
        o,
      );
      const base = registryReader(`${reg.address}/mirror/node:20`, config);
      const layer = await smallLayer('d.tar.gz');
      const image = await composeWorkerImage({ base, baseName: 'b', platform: 'linux/amd64', layer, version: '1' });
      const layout = await writeWorkerLayout(image, base, path.join(tmp, 'layout'), '1');
      const pushed = await copyImage(
        ociLayoutReader(layout, '1'),
        resolveRepository(`${reg.address}/tools/w`, config),
        '1',
        o,
      );
      assert.equal(pushed.digest, image.manifest.digest);
      assert.equal(pushed.blobsSkipped, 1, "the base's layer is already there");
      const back = registryReader(`${reg.address}/tools/w:1`, config);
      const root = await back.root();
      assert.equal(root.digest, image.manifest.digest);
      const manifest = JSON.parse((await back.manifest(root)).toString()) as { layers: Descriptor[] };
      assert.deepEqual(
        manifest.layers.map((l) => l.digest),
        image.layers.map((l) => l.digest),
      );
      assert.equal((image.config as { architecture: string }).architecture, 'amd64');
    } finally {
      await reg.stop();
    }
  });

  void it('refuses bad flags with exit 2, naming the flag, before anything is written', async () => {
    const scratch = fs.mkdtempSync(path.join(tmp, 'scratch-'));
    const env = { TMPDIR: scratch };
    const cases: Array<[string[], RegExp]> = [
      [['--tag', '127.0.0.1:1/x/y:1'], /--base is required/],
      [['--base', 'oci:/nonexistent/layout', '--layout', path.join(scratch, 'o')], /--base: .*not an OCI layout/],
      [['--base', 'builtin:demo', '--layout', path.join(scratch, 'o')], /--base: a builtin image/],
      [['--base', 'node:20', '--tag', '127.0.0.1:1/x/y'], /--tag: must be REPOSITORY:TAG/],
      [['--base', 'node:20', '--platform', 'linux/s390x', '--layout', 'o'], /--platform: linux\/s390x/],
      [['--base', 'node:20'], /--tag REPOSITORY:TAG .* or --layout DIR/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['image', 'worker', ...args], env);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.deepEqual(
      fs.readdirSync(scratch).filter((f) => !f.startsWith('tsx-')),
      [],
      "nothing written (but tsx's own cache)",
    );
  });
});
