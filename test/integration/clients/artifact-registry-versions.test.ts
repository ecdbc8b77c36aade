// The local Artifact Registry keeps tags and versions apart, as Artifact Registry does: deleting
// a tag only untags; the untagged version is still listed and counted (and billed, on GCP) until
// the version itself is deleted or a cleanup policy for untagged versions removes it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { v1 } from '@google-cloud/artifact-registry';
import { grpc } from 'google-gax';
import { registryActivities } from '../../../src/activities/registry';
import type { EnvRef } from '../../../src/contract/environment-id';
import type { TargetConfig } from '../../../src/clients/config';
import type { RunningEmulator } from '../../../src/emulator';
import { emulator } from '../../helpers/emulator';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry-server';

const PROJECT = 'demo-project';
const parent = `projects/${PROJECT}/locations/asia`;
const env: EnvRef = {
  id: 'gkeflow/demo-project/asia-east1-a/c1',
  project: PROJECT,
  location: 'asia-east1-a',
  cluster: 'c1',
};

void describe('the local Artifact Registry: tags and versions apart', () => {
  let reg: TestRegistry;
  let emu: RunningEmulator;
  let client: v1.ArtifactRegistryClient;
  let config: TargetConfig;
  before(async () => {
    reg = await startTestRegistry();
    emu = await emulator({ delays: {}, registry: { port: 0, backend: reg.backend } });
    client = new v1.ArtifactRegistryClient({
      apiEndpoint: '127.0.0.1',
      port: emu.port,
      sslCreds: grpc.credentials.createInsecure(),
      universeDomain: 'googleapis.com',
      projectId: PROJECT,
    });
    config = { target: 'local', emulatorAddress: emu.address, registryAddress: emu.registryAddress! };
  });
  after(async () => {
    await client?.close();
    await emu?.stop();
    await reg?.stop();
  });

  const create = async (id: string, repository: Record<string, unknown> = {}) => {
    const [op] = await client.createRepository({
      parent,
      repositoryId: id,
      repository: { format: 'DOCKER', ...repository },
    });
    await op.promise();
    return `${parent}/repositories/${id}`;
  };
  const push = (id: string, tag: string) =>
    registryActivities({ config }).pushImage({
      env,
      source: { kind: 'builtin', name: 'demo' },
      repository: `asia-docker.pkg.dev/${PROJECT}/${id}/demo`,
      tag,
    });

  void it('a tag DELETE only untags: the version is still listed, untagged, until it is deleted by digest', async () => {
    const repo = await create('untag');
    const { digest } = await push('untag', 'v1');
    const tagDelete = await fetch(`http://${emu.registryAddress}/v2/${PROJECT}/untag/demo/manifests/v1`, {
      method: 'DELETE',
    });
    assert.equal(tagDelete.status, 202);
    const [images] = await client.listDockerImages({ parent: repo });
    assert.equal(images.length, 1, 'the untagged version still counts');
    assert.deepEqual(images[0]!.tags, []);
    assert.equal(images[0]!.uri, `asia-docker.pkg.dev/${PROJECT}/untag/demo@${digest}`);
    const versionDelete = await fetch(`http://${emu.registryAddress}/v2/${PROJECT}/untag/demo/manifests/${digest}`, {
      method: 'DELETE',
    });
    assert.equal(versionDelete.status, 202);
    assert.equal((await client.listDockerImages({ parent: repo }))[0].length, 0);
  });

  void it('DeleteTag through the API also leaves the version', async () => {
    const repo = await create('api-untag');
    await push('api-untag', 'v1');
    await client.deleteTag({ name: `${repo}/packages/demo/tags/v1` });
    const [images] = await client.listDockerImages({ parent: repo });
    assert.deepEqual(
      images.map((i) => i.tags),
      [[]],
    );
  });

  void it('stores and reports a cleanup policy for untagged versions, and honours it', async () => {
    const repo = await create('tidy', {
      cleanupPolicies: {
        'delete-untagged': {
          id: 'delete-untagged',
          action: 'DELETE',
          condition: { tagState: 'UNTAGGED', olderThan: { seconds: 0 } },
        },
      },
    });
    const [got] = await client.getRepository({ name: repo });
    const policy = got.cleanupPolicies?.['delete-untagged'];
    assert.equal(policy?.id, 'delete-untagged');
    assert.equal(String(policy?.action), 'DELETE');
    assert.equal(String(policy?.condition?.tagState), 'UNTAGGED');
    await push('tidy', 'v1');
    await push('tidy', 'v2');
    await client.deleteTag({ name: `${repo}/packages/demo/tags/v1` });
    assert.deepEqual(
      (await client.listDockerImages({ parent: repo }))[0].map((i) => i.tags),
      [['v2']],
    );
    await client.deleteTag({ name: `${repo}/packages/demo/tags/v2` });
    assert.equal(
      (await client.listDockerImages({ parent: repo }))[0].length,
      0,
      'the policy removed the untagged version',
    );
  });
});
