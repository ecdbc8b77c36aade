// The worker's OCI image built without Docker, proven the way a runtime would use it (none exists
// here): `gkeflow image worker` on a Node base (this machine's node and its libraries, as an OCI
// index; test/helpers/rootfs.ts), then the image's layers unpacked in order into a rootfs,
// whiteouts honoured, and gkeflow run from it with the unpacked node. Once from an OCI layout
// (twice: same inputs, same digest), once pulled from the base's registry and pushed back.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { copyImage } from '../../../src/activities/registry';
import type { TargetConfig } from '../../../src/clients/config';
import { registryReader } from '../../../src/clients/registry-reader';
import { resolveRepository } from '../../../src/clients/registry';
import { writeOciLayout } from '../../../src/image/layout';
import { ociLayoutReader, type ImageReader } from '../../../src/image/reader';
import { packPackage, WORKER_IMAGE_CONFIG } from '../../../src/image/worker-image';
import { packageVersion, repoRoot } from '../../../src/paths';
import { runCli } from '../../helpers/cli';
import { tmpRoot } from '../../helpers/package';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry-server';
import { nodeBaseImage, readImage, unpackImage } from '../../helpers/rootfs';

const run = promisify(execFile);
const tmp = tmpRoot();
let tarball: string;
let baseLayout: string;
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

before(async () => {
  tarball = await packPackage(repoRoot, fs.mkdtempSync(path.join(tmp, 'pack-')));
  baseLayout = writeOciLayout(nodeBaseImage(), path.join(tmp, 'base'), '20');
});

interface Built {
  digest: string;
  platform: string;
  layers: number;
  compressedBytes: number;
  packageLayerBytes: number;
  seconds: number;
  reference?: string;
  layout?: string;
}

async function buildImage(args: string[]): Promise<Built> {
  const r = await runCli(
    ['image', 'worker', '--package', tarball, '--platform', 'linux/amd64', ...args, '--json'],
    {},
    1_200_000,
  );
  assert.equal(r.code, 0, r.stderr);
  const built = JSON.parse(r.stdout) as Built;
  console.log(`[figures] ${JSON.stringify(built)}`);
  return built;
}

/** Checks the image's config against the Dockerfile's (via WORKER_IMAGE_CONFIG) and the base's. */
async function checkConfig(reader: ImageReader, built: Built) {
  const { root, manifest, config } = await readImage(reader);
  assert.equal(root.digest, built.digest);
  assert.equal(manifest.layers.length, 3, 'the base two and the package');
  assert.equal(config.architecture, 'amd64');
  const c = config.config;
  assert.deepEqual(c.Entrypoint, [...WORKER_IMAGE_CONFIG.Entrypoint]);
  assert.deepEqual(c.Cmd, [...WORKER_IMAGE_CONFIG.Cmd]);
  assert.equal(c.User, WORKER_IMAGE_CONFIG.User);
  assert.equal(c.WorkingDir, WORKER_IMAGE_CONFIG.WorkingDir);
  for (const [k, v] of Object.entries(WORKER_IMAGE_CONFIG.Env)) assert.ok(c.Env.includes(`${k}=${v}`), k);
  assert.ok(
    c.Env.some((e) => e.startsWith('PATH=') && e.includes('/usr/local/bin')),
    "the base's PATH",
  );
  assert.deepEqual(Object.keys(c.ExposedPorts).sort(), [...WORKER_IMAGE_CONFIG.ExposedPorts].sort());
  assert.equal(c.Labels['org.opencontainers.image.version'], packageVersion());
  assert.equal(c.Labels['org.opencontainers.image.title'], 'gkeflow-worker');
  assert.equal(config.rootfs.diff_ids.length, 3);
}

/** Unpacks the image and runs gkeflow from the rootfs with the rootfs's node, as the entrypoint would. */
async function runFromRootfs(reader: ImageReader, name: string) {
  const rootfs = path.join(tmp, `rootfs-${name}`);
  const work = fs.mkdtempSync(path.join(tmp, 'layers-'));
  await unpackImage(reader, rootfs, work);
  assert.ok(!fs.existsSync(path.join(rootfs, 'etc/stale')), 'the base whiteout removed etc/stale');
  assert.ok(fs.existsSync(path.join(rootfs, 'etc/base-release')));
  const pkg = path.join(rootfs, 'usr/local/lib/node_modules/gkeflow');
  assert.deepEqual(fs.readdirSync(path.join(pkg, 'node_modules/@temporalio/core-bridge/releases')), [
    'x86_64-unknown-linux-gnu',
  ]);
  for (const gone of ['src', 'test', 'node_modules/tsx', 'node_modules/@temporalio/testing'])
    assert.ok(!fs.existsSync(path.join(pkg, gone)), `${gone} is not in the image`);
  assert.equal(
    fs.readlinkSync(path.join(rootfs, 'usr/local/bin/gkeflow')),
    '../lib/node_modules/gkeflow/bin/gkeflow.js',
  );
  const node = path.join(rootfs, 'usr/local/bin/node');
  const home = fs.mkdtempSync(path.join(tmp, 'home-'));
  const env = { HOME: home, PATH: `${path.join(rootfs, 'usr/local/bin')}:/usr/bin:/bin` };
  const o = { cwd: home, env };
  const version = await run(node, [path.join(rootfs, 'usr/local/bin/gkeflow'), '--version'], o);
  assert.equal(version.stdout.trim(), packageVersion());
  // The entrypoint as a runtime resolves it: `gkeflow` on PATH, its `#!/usr/bin/env node` finding the rootfs's node.
  const help = await run(path.join(rootfs, 'usr/local/bin/gkeflow'), ['worker', '--help'], o);
  assert.match(help.stdout, /gkeflow worker/);
  const bridge = path.join(pkg, 'node_modules/@temporalio/core-bridge');
  const loaded = await run(node, ['-e', `require(${JSON.stringify(bridge)}); console.log(process.execPath)`], o);
  assert.equal(loaded.stdout.trim(), node, "the trimmed image's native Temporal bridge loads in the rootfs's node");
  // Every module the worker and the library import is there after the trim (loaded, not run).
  const graph = `require(${JSON.stringify(path.join(pkg, 'dist/cli/commands/worker.js'))}); require(${JSON.stringify(pkg)})`;
  await run(node, ['-e', graph], o);
  assert.deepEqual(fs.readdirSync(home), [], 'nothing written into HOME');
}

void describe('the worker image, built without Docker', () => {
  void it('from an OCI layout base: the same digest twice, and its unpacked layers run gkeflow', async () => {
    const a = await buildImage(['--base', `oci:${baseLayout}:20`, '--layout', path.join(tmp, 'out-a')]);
    const b = await buildImage(['--base', `oci:${baseLayout}:20`, '--layout', path.join(tmp, 'out-b')]);
    assert.equal(a.digest, b.digest, 'same package and base, same image');
    assert.equal(a.layers, 3);
    const reader = ociLayoutReader(path.join(tmp, 'out-a'), packageVersion());
    await checkConfig(reader, a);
    // Another tool reads it too: skopeo (installed by .ci/run) copies it, checking every digest.
    const skopeo = await run('skopeo', ['--version']).catch(() => undefined);
    if (skopeo) {
      const layout = `oci:${path.join(tmp, 'out-a')}:${packageVersion()}`;
      const inspected = JSON.parse((await run('skopeo', ['inspect', '--config', layout])).stdout) as {
        config: { Entrypoint: string[]; User: string };
      };
      assert.deepEqual(inspected.config.Entrypoint, [...WORKER_IMAGE_CONFIG.Entrypoint]);
      assert.equal(inspected.config.User, WORKER_IMAGE_CONFIG.User);
      await run('skopeo', ['copy', layout, `dir:${path.join(tmp, 'skopeo-copy')}`]);
    }
    await runFromRootfs(reader, 'layout');
  });

  void describe('through the local registry', () => {
    let reg: TestRegistry;
    let config: TargetConfig;
    before(async () => {
      reg = await startTestRegistry();
      config = { target: 'local', emulatorAddress: '127.0.0.1:1', registryAddress: reg.address };
      await copyImage(
        ociLayoutReader(baseLayout, '20'),
        resolveRepository(`${reg.address}/mirror/node`, config),
        '20',
        {
          wait: {},
          readWindow: 8 << 20,
        },
      );
    });
    after(async () => reg?.stop());

    void it("pulls the base's platform from its index, pushes the image, and the pulled image runs gkeflow", async () => {
      const ref = `${reg.address}/tools/gkeflow-worker:${packageVersion()}`;
      const built = await buildImage(['--base', `${reg.address}/mirror/node:20`, '--tag', ref]);
      assert.equal(built.reference, `${reg.address}/tools/gkeflow-worker@${built.digest}`);
      const reader = registryReader(ref, config);
      await checkConfig(reader, built);
      await runFromRootfs(reader, 'registry');
    });
  });
});
