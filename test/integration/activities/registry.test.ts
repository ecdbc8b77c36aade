import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { registryActivities, type PushImageReport, type PushProgress } from '../../../src/activities/registry';
import type { EnvRef } from '../../../src/contract/environment-id';
import type { PushImageInput } from '../../../src/contract/image-io';
import type { TargetConfig } from '../../../src/clients/config';
import { buildDemoImage, demoImage } from '../../../src/image/demo';
import { writeOciArchive, writeOciLayout } from '../../../src/image/layout';
import { buildImage, MEDIA, sha256 } from '../../../src/image/oci';
import { createTar } from '../../../src/image/tar';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry-server';

const env: EnvRef = {
  id: 'gkeflow/demo-project/asia-east1-a/c1',
  project: 'demo-project',
  location: 'asia-east1-a',
  cluster: 'c1',
};
const AR = 'asia-docker.pkg.dev/demo-project/apps';

void describe('pushImage and deleteImageTag against a real registry', () => {
  let reg: TestRegistry;
  let config: TargetConfig;
  let tmp: string;
  const cfg = () => config;
  before(async () => {
    reg = await startTestRegistry();
    config = { target: 'local', emulatorAddress: '127.0.0.1:1', registryAddress: reg.address };
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-push-'));
  });
  after(async () => {
    await reg?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  void it('pushes the builtin demo image to the local registry under the Artifact Registry path, digest matching', async () => {
    const { pushImage } = registryActivities({ config });
    const res = await pushImage({
      env,
      source: { kind: 'builtin', name: 'demo' },
      repository: `${AR}/demo`,
      tag: 'v1',
    });
    const expected = (await demoImage()).manifest.digest;
    assert.equal(res.digest, expected);
    assert.equal(res.reference, `${reg.address}/demo-project/apps/demo@${expected}`);
    assert.equal(res.blobsUploaded, 4); // two platforms: a layer and a config each
    const got = await fetch(`http://${reg.address}/v2/demo-project/apps/demo/manifests/v1`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    assert.equal(got.status, 200);
    assert.equal(sha256(Buffer.from(await got.arrayBuffer())), expected);
    assert.equal(got.headers.get('docker-content-digest'), expected);
  });

  void it('pushes a docker save archive (manifest.json, config, layer tars) as an OCI image', async () => {
    // Built by hand as `docker save` writes it: <id>/layer.tar per layer, <hex>.json config, manifest.json.
    const layers = [
      createTar([{ path: 'hello.txt', content: 'hello\n' }]),
      createTar([{ path: 'etc/motd', content: 'hi\n' }]),
    ];
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Cmd: ['/hello'] },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l)) },
      }),
    );
    const configName = `${sha256(config).slice('sha256:'.length)}.json`;
    const archive = path.join(tmp, 'saved.tar');
    fs.writeFileSync(
      archive,
      createTar([
        { path: configName, content: config },
        { path: 'aaa/layer.tar', content: layers[0]! },
        { path: 'bbb/layer.tar', content: layers[1]! },
        {
          path: 'manifest.json',
          content: JSON.stringify([
            { Config: configName, RepoTags: ['web:dev'], Layers: ['aaa/layer.tar', 'bbb/layer.tar'] },
          ]),
        },
      ]),
    );
    const { pushImage } = registryActivities({ config: cfg() });
    const res = await pushImage({
      env,
      source: { kind: 'docker-archive', path: archive },
      repository: `${AR}/saved`,
      tag: 'dev',
    });
    assert.equal(res.blobsUploaded, 3, 'config and two layers');
    const got = await fetch(`http://${reg.address}/v2/demo-project/apps/saved/manifests/dev`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    assert.equal(got.status, 200);
    const manifest = JSON.parse(Buffer.from(await got.arrayBuffer()).toString()) as {
      config: { digest: string };
      layers: Array<{ digest: string; mediaType: string }>;
    };
    assert.equal(manifest.config.digest, sha256(config));
    assert.deepEqual(
      manifest.layers.map((l) => l.digest),
      layers.map((l) => sha256(l)),
    );
    const blob = await fetch(`http://${reg.address}/v2/demo-project/apps/saved/blobs/${sha256(layers[1]!)}`);
    assert.deepEqual(Buffer.from(await blob.arrayBuffer()), layers[1]);
  });

  void it('pulls from a private source registry (basic auth) with the credentials in DOCKER_CONFIG: auths, then a credential helper', async () => {
    const { pushImage } = registryActivities({ config: cfg() });
    await pushImage({ env, source: { kind: 'builtin', name: 'demo' }, repository: `${AR}/private`, tag: 'v1' });
    // The real registry behind a gate that wants Basic ci:s3cret, as a private registry does.
    const upstream = new URL(`http://${reg.address}`);
    const gate = http.createServer((req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from('ci:s3cret').toString('base64')}`) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="private"' }).end();
        return;
      }
      const fwd = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: upstream.host },
        },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      req.pipe(fwd);
    });
    await new Promise<void>((r) => gate.listen(0, '127.0.0.1', r));
    const source = `127.0.0.1:${(gate.address() as AddressInfo).port}/demo-project/apps/private:v1`;
    const dockerDir = path.join(tmp, 'docker');
    fs.mkdirSync(dockerDir, { recursive: true });
    const saved = { DOCKER_CONFIG: process.env.DOCKER_CONFIG, PATH: process.env.PATH };
    try {
      process.env.DOCKER_CONFIG = dockerDir;
      const push = (tag: string) =>
        pushImage({ env, source: { kind: 'registry', reference: source }, repository: `${AR}/copied`, tag });
      await assert.rejects(push('anon'), (e: Error) => {
        assert.ok(!e.message.includes('s3cret'));
        return true;
      });
      const hostKey = source.split('/')[0]!;
      fs.writeFileSync(
        path.join(dockerDir, 'config.json'),
        JSON.stringify({ auths: { [hostKey]: { auth: Buffer.from('ci:s3cret').toString('base64') } } }),
      );
      const viaAuths = await push('auths');
      assert.equal(viaAuths.digest, (await demoImage()).manifest.digest);
      // A credential helper instead: docker-credential-<name> get, the host on stdin.
      const bin = path.join(tmp, 'bin');
      fs.mkdirSync(bin, { recursive: true });
      fs.writeFileSync(
        path.join(bin, 'docker-credential-gkeflowtest'),
        `#!/bin/sh\nread host\n[ "$host" = "${hostKey}" ] && echo '{"Username":"ci","Secret":"s3cret"}'\n`,
        { mode: 0o755 },
      );
      process.env.PATH = `${bin}:${saved.PATH}`;
      fs.writeFileSync(
        path.join(dockerDir, 'config.json'),
        JSON.stringify({ credHelpers: { [hostKey]: 'gkeflowtest' } }),
      );
      const viaHelper = await push('helper');
      assert.equal(viaHelper.digest, viaAuths.digest);
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      await new Promise<void>((r) => gate.close(() => r()));
    }
  });

  void it('skips every existing blob on the second push and yields the same digest', async () => {
    const { pushImage } = registryActivities({ config });
    const res = await pushImage({
      env,
      source: { kind: 'builtin', name: 'demo' },
      repository: `${AR}/demo`,
      tag: 'v1',
    });
    assert.equal(res.bytesUploaded, 0);
    assert.equal(res.blobsSkipped, 4); // two platforms: a layer and a config each
    assert.equal(res.digest, (await demoImage()).manifest.digest);
  });

  void it('mounts blobs across repositories when the source is on the same registry', async () => {
    const { pushImage } = registryActivities({ config });
    const res = await pushImage({
      env,
      source: { kind: 'registry', reference: `${reg.address}/demo-project/apps/demo:v1` },
      repository: `${AR}/copy`,
      tag: 'v2',
    });
    assert.equal(res.blobsMounted, 4); // two platforms: a layer and a config each
    assert.equal(res.bytesUploaded, 0);
    assert.equal(res.digest, (await demoImage()).manifest.digest);
  });

  void it('pushes from an OCI archive and an OCI layout monolithically (one streamed PATCH, which Artifact Registry requires), heartbeating bytes done', async () => {
    const big = buildImage({
      layers: [[{ path: 'data.bin', content: crypto.randomBytes(300_000) }], [{ path: 'x.txt', content: 'x' }]],
    });
    const archive = writeOciArchive(big, path.join(tmp, 'big.tar'), 'v9');
    const layout = writeOciLayout(buildDemoImage({ message: 'layout' }), path.join(tmp, 'layout'), 'l1');
    const { pushImage } = registryActivities({ config, readWindow: 64 * 1024 });
    const menv = new MockActivityEnvironment();
    const beats: PushProgress[] = [];
    menv.on('heartbeat', (d: PushProgress) => beats.push(d));
    const input: PushImageInput = {
      env,
      source: { kind: 'oci-archive', path: archive },
      repository: `${AR}/big`,
      tag: 'v9',
    };
    const res = (await menv.run(pushImage, input)) as PushImageReport;
    assert.equal(res.digest, big.manifest.digest);
    assert.equal(res.blobsUploaded, 3);
    assert.ok(beats.length > 4, `expected chunk heartbeats, got ${beats.length}`);
    const last = beats[beats.length - 1]!;
    assert.equal(last.blobsDone, 3);
    assert.equal(last.bytesDone, last.bytesTotal);
    assert.ok(beats.every((b) => !JSON.stringify(b).toLowerCase().includes('authorization')));
    const fromLayout = await pushImage({
      env,
      source: { kind: 'oci-layout', path: layout, tag: 'l1' },
      repository: `${AR}/layout`,
      tag: 'l1',
    });
    assert.equal(fromLayout.digest, buildDemoImage({ message: 'layout' }).manifest.digest);
  });

  void it('resumes from the last heartbeat: blobs recorded as done are not even checked again', async () => {
    const image = await demoImage();
    const doneDigests = [...image.blobs.keys()].filter((d) => d !== image.manifest.digest);
    const menv = new MockActivityEnvironment({ heartbeatDetails: { doneDigests, blobsDone: 4 } });
    const { pushImage } = registryActivities({ config });
    const realFetch = globalThis.fetch;
    const methods: string[] = [];
    globalThis.fetch = (input, init) => {
      methods.push(init?.method ?? 'GET');
      return realFetch(input, init);
    };
    try {
      const input: PushImageInput = {
        env,
        source: { kind: 'builtin', name: 'demo' },
        repository: `${AR}/demo`,
        tag: 'v1',
      };
      const res = (await menv.run(pushImage, input)) as PushImageReport;
      assert.equal(res.blobsSkipped, 4); // two platforms: a layer and a config each
    } finally {
      globalThis.fetch = realFetch;
    }
    assert.deepEqual(
      methods,
      ['PUT', 'PUT', 'PUT', 'PUT'],
      "only the manifests: each platform's by digest, the index by digest and by tag",
    );
  });

  void it('copies a multi-platform image index with its child manifests, from a layout and then registry to registry', async () => {
    const amd = buildImage({ layers: [[{ path: 'a', content: 'amd64' }]], architecture: 'amd64' });
    const arm = buildImage({ layers: [[{ path: 'a', content: 'arm64' }]], architecture: 'arm64' });
    const indexBody = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.index, manifests: [amd.manifest, arm.manifest] }),
    );
    const blobs = new Map([...amd.blobs, ...arm.blobs, [sha256(indexBody), indexBody]]);
    const index = { blobs, manifest: { mediaType: MEDIA.index, digest: sha256(indexBody), size: indexBody.length } };
    const layout = writeOciLayout(index, path.join(tmp, 'multi'), 'multi');
    const { pushImage } = registryActivities({ config });
    const first = await pushImage({
      env,
      source: { kind: 'oci-layout', path: layout },
      repository: `${AR}/multi`,
      tag: 'm1',
    });
    assert.equal(first.digest, index.manifest.digest);
    assert.equal(first.blobsUploaded, 4, 'two configs and two layers');
    const copy = await pushImage({
      env,
      source: { kind: 'registry', reference: `${reg.address}/demo-project/apps/multi:m1` },
      repository: `${AR}/multi-copy`,
      tag: 'm1',
    });
    assert.equal(copy.digest, index.manifest.digest);
    assert.equal(copy.blobsMounted, 4);
    const child = await fetch(
      `http://${reg.address}/v2/demo-project/apps/multi-copy/manifests/${arm.manifest.digest}`,
      { headers: { accept: MEDIA.manifest } },
    );
    assert.equal(child.status, 200);
  });

  void it('reports a missing source as ImageNotFoundError and an unreachable registry as transient', async () => {
    const { pushImage } = registryActivities({ config });
    await assert.rejects(
      pushImage({
        env,
        source: { kind: 'oci-archive', path: path.join(tmp, 'nope.tar') },
        repository: `${AR}/x`,
        tag: 't',
      }),
      { name: 'ImageNotFoundError' },
    );
    await assert.rejects(
      pushImage({
        env,
        source: { kind: 'registry', reference: `${reg.address}/demo-project/apps/demo:missing` },
        repository: `${AR}/x`,
        tag: 't',
      }),
      { name: 'ImageNotFoundError' },
    );
    const down = registryActivities({ config: { ...config, registryAddress: '127.0.0.1:9' } });
    await assert.rejects(
      down.pushImage({ env, source: { kind: 'builtin', name: 'demo' }, repository: `${AR}/x`, tag: 't' }),
      { name: 'TransientCloudError' },
    );
  });

  void it('deletes a tag once; deleting it again or in a missing repository succeeds with deleted:false', async () => {
    const { pushImage, deleteImageTag } = registryActivities({ config });
    await pushImage({ env, source: { kind: 'builtin', name: 'demo' }, repository: `${AR}/gone`, tag: 'v1' });
    assert.deepEqual(await deleteImageTag({ env, repository: `${AR}/gone`, tag: 'v1' }), { deleted: true });
    assert.deepEqual(await deleteImageTag({ env, repository: `${AR}/gone`, tag: 'v1' }), { deleted: false });
    assert.deepEqual(await deleteImageTag({ env, repository: `${AR}/never-pushed`, tag: 'v1' }), { deleted: false });
    const res = await fetch(`http://${reg.address}/v2/demo-project/apps/gone/manifests/v1`);
    assert.equal(res.status, 404);
  });
});
