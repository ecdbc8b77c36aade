import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { v1 } from '@google-cloud/artifact-registry';
import { grpc } from 'google-gax';
import { registryActivities } from '../../../src/activities/registry';
import type { EnvRef } from '../../../src/contract/environment-id';
import type { TargetConfig } from '../../../src/clients/config';
import type { RunningEmulator } from '../../../src/emulator';
import { emulator as testEmulator } from '../../helpers/emulator';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry-server';

const PROJECT = 'demo-project';
const parent = `projects/${PROJECT}/locations/asia`;
const env: EnvRef = {
  id: 'gkeflow/demo-project/asia-east1-a/c1',
  project: PROJECT,
  location: 'asia-east1-a',
  cluster: 'c1',
};

/** The official client, pointed at the emulator's gRPC port like the ClusterManager client. */
function arClient(emu: { port: number }, extra: Record<string, unknown> = {}): v1.ArtifactRegistryClient {
  return new v1.ArtifactRegistryClient({
    apiEndpoint: '127.0.0.1',
    port: emu.port,
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: 'googleapis.com',
    projectId: PROJECT,
    ...extra,
  });
}

async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    return (e as { code: number }).code;
  }
  throw new Error('expected the call to fail');
}

/** curl in a child process (asynchronously: the registry front answers from this process). */
/** A metadata-only emulator that also serves the local Artifact Registry's Docker endpoint over `backend`. */
const emulator = (backend: string, requireAuth?: string) =>
  testEmulator({ delays: {}, registry: { port: 0, backend }, requireAuth });

const curl = async (...args: string[]) =>
  (await promisify(execFile)('curl', ['-s', '-o', '/dev/null', '-D', '-', ...args], { encoding: 'utf8' })).stdout;
const statusOf = (headers: string) => Number(/^HTTP\/[\d.]+ (\d+)/.exec(headers)?.[1]);

void describe('the local Artifact Registry (API on the emulator port, Docker endpoint in front of the CNCF registry)', () => {
  let reg: TestRegistry;
  let emu: RunningEmulator;
  let client: v1.ArtifactRegistryClient;
  let config: TargetConfig;
  before(async () => {
    reg = await startTestRegistry();
    emu = await emulator(reg.backend);
    client = arClient(emu);
    config = { target: 'local', emulatorAddress: emu.address, registryAddress: emu.registryAddress! };
  });
  after(async () => {
    await client?.close();
    await emu?.stop();
    await reg?.stop();
  });

  void it('refuses a push into a repository that does not exist, as Artifact Registry does', async () => {
    // At the protocol level, as any client sees it (gkeflow's pushImage answers this refusal by
    // ensuring the repository again: test/integration/activities/repository.test.ts).
    const url = `http://${emu.registryAddress}/v2/${PROJECT}/apps/demo/blobs/uploads/`;
    const answer = (await promisify(execFile)('curl', ['-s', '-D', '-', '-X', 'POST', url], { encoding: 'utf8' }))
      .stdout;
    assert.equal(statusOf(answer), 404, answer);
    assert.match(answer, /NAME_UNKNOWN/);
    const [repos] = await client.listRepositories({ parent });
    assert.deepEqual(repos, [], 'the refused push created nothing');
  });

  void it('creates, gets and lists a repository through the official client; a second create is ALREADY_EXISTS', async () => {
    const [op] = await client.createRepository({ parent, repositoryId: 'apps', repository: { format: 'DOCKER' } });
    const [created] = await op.promise();
    assert.equal(created.name, `${parent}/repositories/apps`);
    assert.ok(created.format === 'DOCKER' || created.format === 1, String(created.format));
    const [got] = await client.getRepository({ name: `${parent}/repositories/apps` });
    assert.equal(got.name, created.name);
    const [listed] = await client.listRepositories({ parent });
    assert.deepEqual(
      listed.map((r) => r.name),
      [created.name],
    );
    assert.equal(
      await codeOf(client.createRepository({ parent, repositoryId: 'apps', repository: { format: 'DOCKER' } })),
      grpc.status.ALREADY_EXISTS,
    );
    assert.equal(await codeOf(client.getRepository({ name: `${parent}/repositories/nope` })), grpc.status.NOT_FOUND);
    assert.equal(
      await codeOf(client.createRepository({ parent, repositoryId: 'Bad_Id', repository: {} })),
      grpc.status.INVALID_ARGUMENT,
    );
  });

  void it('then takes the push; ListDockerImages shows it with its tag; DeleteTag removes the tag (the version stays, untagged)', async () => {
    const { pushImage } = registryActivities({ config });
    const res = await pushImage({
      env,
      source: { kind: 'builtin', name: 'demo' },
      repository: `asia-docker.pkg.dev/${PROJECT}/apps/demo`,
      tag: 'v1',
    });
    const repo = `${parent}/repositories/apps`;
    const [images] = await client.listDockerImages({ parent: repo });
    assert.equal(images.length, 1);
    assert.deepEqual(images[0]!.tags, ['v1']);
    assert.equal(images[0]!.uri, `asia-docker.pkg.dev/${PROJECT}/apps/demo@${res.digest}`);
    await client.deleteTag({ name: `${repo}/packages/demo/tags/v1` });
    // As Artifact Registry: the tag goes, the version stays (listed, counted) until it is deleted itself.
    const [after] = await client.listDockerImages({ parent: repo });
    assert.deepEqual(
      after.map((i) => i.tags),
      [[]],
    );
    assert.equal(await codeOf(client.deleteTag({ name: `${repo}/packages/demo/tags/v1` })), grpc.status.NOT_FOUND);
    const version = await fetch(`http://${emu.registryAddress}/v2/${PROJECT}/apps/demo/manifests/${res.digest}`, {
      method: 'DELETE',
    });
    assert.equal(version.status, 202);
    assert.equal((await client.listDockerImages({ parent: repo }))[0].length, 0);
  });

  void it('refuses a chunked upload sent by hand with curl (a second PATCH with Content-Range)', async () => {
    const base = `http://${emu.registryAddress}/v2/${PROJECT}/apps/raw/blobs/uploads/`;
    const started = await curl('-X', 'POST', base);
    assert.equal(statusOf(started), 202);
    const location = new URL(/^location: (.*)$/im.exec(started)![1]!.trim(), `http://${emu.registryAddress}`);
    const first = await curl(
      '-X',
      'PATCH',
      '-H',
      'content-type: application/octet-stream',
      '-H',
      'content-range: 0-3',
      '--data-binary',
      'abcd',
      location.toString(),
    );
    assert.equal(statusOf(first), 202);
    const next = new URL(/^location: (.*)$/im.exec(first)![1]!.trim(), `http://${emu.registryAddress}`);
    const second = await curl(
      '-X',
      'PATCH',
      '-H',
      'content-type: application/octet-stream',
      '-H',
      'content-range: 4-7',
      '--data-binary',
      'efgh',
      next.toString(),
    );
    assert.equal(statusOf(second), 400, second);
    assert.match(second, /UNSUPPORTED|content-type: application\/json/i);
  });

  void it('deletes a repository with its images', async () => {
    const repo = `${parent}/repositories/apps`;
    const [op] = await client.deleteRepository({ name: repo });
    await op.promise();
    assert.equal(await codeOf(client.getRepository({ name: repo })), grpc.status.NOT_FOUND);
    const [listed] = await client.listRepositories({ parent });
    assert.equal(listed.length, 0);
  });
});

void describe('the local Artifact Registry with auth required', () => {
  let reg: TestRegistry;
  let emu: RunningEmulator;
  before(async () => {
    reg = await startTestRegistry();
    emu = await emulator(reg.backend, 'ya29.local');
  });
  after(async () => {
    await emu?.stop();
    await reg?.stop();
  });

  void it('challenges with a Bearer realm at /v2/token on its own host, which takes Basic oauth2accesstoken + the access token', async () => {
    const res = await fetch(`http://${emu.registryAddress}/v2/`);
    assert.equal(res.status, 401);
    assert.equal(
      res.headers.get('www-authenticate'),
      `Bearer realm="http://${emu.registryAddress}/v2/token",service="${emu.registryAddress}"`,
    );
    const basic = (t: string) => `Basic ${Buffer.from(`oauth2accesstoken:${t}`).toString('base64')}`;
    const wrong = await fetch(`http://${emu.registryAddress}/v2/token`, { headers: { authorization: basic('nope') } });
    assert.equal(wrong.status, 401);
    const ok = await fetch(`http://${emu.registryAddress}/v2/token`, {
      headers: { authorization: basic('ya29.local') },
    });
    const { token } = (await ok.json()) as { token: string };
    const v2 = await fetch(`http://${emu.registryAddress}/v2/`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(v2.status, 200);
  });

  void it('answers the API without a token UNAUTHENTICATED, with it', async () => {
    const anonymous = arClient(emu);
    assert.equal(await codeOf(anonymous.listRepositories({ parent })), grpc.status.UNAUTHENTICATED);
    await anonymous.close();
    const authed = arClient(emu);
    const [listed] = await authed.listRepositories(
      { parent },
      { otherArgs: { headers: { authorization: 'Bearer ya29.local' } } },
    );
    assert.equal(listed.length, 0);
    await authed.close();
  });
});
