// deleteImageTag deletes its tag and nothing another tag still uses: on Artifact Registry (and
// the local one) a tag DELETE only untags, so the version goes too, but only once no other tag
// points at it; a registry that cannot untag never gets a shared digest deleted.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { v1 } from '@google-cloud/artifact-registry';
import { grpc } from 'google-gax';
import { registryActivities } from '../../../src/activities/registry';
import { createArtifactRegistryApi } from '../../../src/clients/artifact-registry';
import type { TargetConfig } from '../../../src/clients/config';
import type { EnvRef } from '../../../src/contract/environment-id';
import type { RunningEmulator } from '../../../src/emulator';
import { emulator } from '../../helpers/emulator';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry-server';

const PROJECT = 'demo-project';
const env: EnvRef = {
  id: 'gkeflow/demo-project/asia-east1-a/c1',
  project: PROJECT,
  location: 'asia-east1-a',
  cluster: 'c1',
};
const other: EnvRef = { ...env, id: 'gkeflow/demo-project/asia-east1-a/c2', cluster: 'c2' };

void describe('deleteImageTag against the local Artifact Registry', () => {
  let reg: TestRegistry;
  let emu: RunningEmulator;
  let config: TargetConfig;
  before(async () => {
    reg = await startTestRegistry();
    emu = await emulator({ delays: {}, registry: { port: 0, backend: reg.backend } });
    config = { target: 'local', emulatorAddress: emu.address, registryAddress: emu.registryAddress! };
  });
  after(async () => {
    await emu?.stop();
    await reg?.stop();
  });

  void it('two tags on one image: deleting one keeps the other; deleting the last deletes the version', async () => {
    const acts = registryActivities({ config });
    const image = `asia-docker.pkg.dev/${PROJECT}/shared/web`;
    const repo = `projects/${PROJECT}/locations/asia/repositories/shared`;
    await acts.ensureRepository({ env, repository: image });
    const a = await acts.pushImage({ env, source: { kind: 'builtin', name: 'demo' }, repository: image, tag: 'c1' });
    const b = await acts.pushImage({
      env: other,
      source: { kind: 'builtin', name: 'demo' },
      repository: image,
      tag: 'c2',
    });
    assert.equal(a.digest, b.digest, 'the builtin image has one deterministic digest');
    const api = createArtifactRegistryApi(config);
    try {
      assert.equal(await api.countDockerImages(repo), 1);
      assert.deepEqual(await acts.deleteImageTag({ env, repository: image, tag: 'c1' }), { deleted: true });
      const kept = await fetch(`http://${emu.registryAddress}/v2/${PROJECT}/shared/web/manifests/c2`, {
        method: 'HEAD',
      });
      assert.equal(kept.status, 200, "the other environment's tag is still there");
      assert.equal(await api.countDockerImages(repo), 1, 'and so is the version');
      assert.deepEqual(await acts.deleteImageTag({ env: other, repository: image, tag: 'c2' }), { deleted: true });
      assert.equal(await api.countDockerImages(repo), 0, 'the last tag took its version with it: nothing left billed');
      assert.deepEqual(await acts.deleteRepository({ env, name: repo }), { deleted: true });
    } finally {
      await api.close();
    }
  });

  void it('repositories gkeflow creates carry a cleanup policy for untagged versions', async () => {
    const acts = registryActivities({ config });
    const { repository } = await acts.ensureRepository({ env, repository: `asia-docker.pkg.dev/${PROJECT}/tidy/web` });
    const client = new v1.ArtifactRegistryClient({
      apiEndpoint: '127.0.0.1',
      port: emu.port,
      sslCreds: grpc.credentials.createInsecure(),
      universeDomain: 'googleapis.com',
      projectId: PROJECT,
    });
    try {
      const [got] = await client.getRepository({ name: repository! });
      const policies = Object.values(got.cleanupPolicies ?? {});
      assert.equal(policies.length, 1);
      assert.equal(String(policies[0]!.action), 'DELETE');
      assert.equal(String(policies[0]!.condition?.tagState), 'UNTAGGED');
      assert.ok(Number(policies[0]!.condition?.olderThan?.seconds) >= 30 * 24 * 3600, 'past the longest TTL');
    } finally {
      await client.close();
    }
  });
});

void describe('deleteImageTag on a registry that cannot delete a tag alone (405)', () => {
  const DIGEST = `sha256:${'d'.repeat(64)}`;
  let server: http.Server;
  let address: string;
  let tags: string[];
  const deleted: string[] = [];
  before(async () => {
    server = http.createServer((req, res) => {
      const m = /^\/v2\/p\/apps\/web\/(manifests\/([^/?]+)|tags\/list)/.exec(req.url ?? '');
      if (!m) return res.writeHead(404).end();
      if (m[1] === 'tags/list') return res.writeHead(200).end(JSON.stringify({ name: 'p/apps/web', tags }));
      const ref = m[2]!;
      const known = ref === DIGEST || tags.includes(ref);
      if (req.method === 'HEAD')
        return res.writeHead(known ? 200 : 404, known ? { 'docker-content-digest': DIGEST } : {}).end();
      if (req.method === 'DELETE') {
        if (ref !== DIGEST) return res.writeHead(405).end('{"errors":[{"code":"UNSUPPORTED","message":"no"}]}');
        deleted.push(ref);
        tags = [];
        return res.writeHead(202).end();
      }
      res.writeHead(405).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const acts = () =>
    registryActivities({ config: { target: 'local', emulatorAddress: '127.0.0.1:1', registryAddress: address } });

  void it('never deletes the image by digest while another tag points at it: the tag is kept and reported', async () => {
    tags = ['c1', 'c2'];
    await assert.rejects(acts().deleteImageTag({ env, repository: `${address}/p/apps/web`, tag: 'c1' }), (e: Error) => {
      assert.equal(e.name, 'InvalidArgumentError');
      assert.match(e.message, /c2/);
      return true;
    });
    assert.deepEqual(deleted, [], 'nothing deleted by digest');
    assert.deepEqual(tags, ['c1', 'c2']);
  });

  void it('deletes the image by digest when the tag is its last one', async () => {
    tags = ['c1'];
    assert.deepEqual(await acts().deleteImageTag({ env, repository: `${address}/p/apps/web`, tag: 'c1' }), {
      deleted: true,
    });
    assert.deepEqual(deleted, [DIGEST]);
  });
});
