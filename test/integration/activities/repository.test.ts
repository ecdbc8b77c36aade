import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ResourceNotFoundError } from '../../../src/contract/activity-errors';
import { registryActivities, REPOSITORY_KEPT } from '../../../src/activities/registry';
import type { EnvRef } from '../../../src/contract/environment-id';
import { createArtifactRegistryApi, type ArtifactRegistryApi } from '../../../src/clients/artifact-registry';
import type { TargetConfig } from '../../../src/clients/config';
import { DistributionClient } from '../../../src/clients/distribution';
import { resolveRepository } from '../../../src/clients/registry';
import type { RunningEmulator } from '../../../src/emulator';
import { emulator } from '../../helpers/emulator';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry-server';

const env: EnvRef = {
  id: 'gkeflow/demo-project/asia-east1-a/c1',
  project: 'demo-project',
  location: 'asia-east1-a',
  cluster: 'c1',
};
const other: EnvRef = { ...env, id: 'gkeflow/demo-project/asia-east1-a/c2', cluster: 'c2' };
const IMAGE = 'asia-docker.pkg.dev/demo-project/gkeflow/web';
const REPO = 'projects/demo-project/locations/asia/repositories/gkeflow';

// One metadata-only emulator serving the local Artifact Registry over a CNCF registry for every
// case of this file (each case uses a repository of its own).
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

void describe('ensureRepository and its compensation against the local Artifact Registry', () => {
  void it('creates the missing repository (the default …/gkeflow/<deployment> never exists), so the push is taken', async () => {
    const acts = registryActivities({ config });
    const push = { env, source: { kind: 'builtin', name: 'demo' } as const, repository: IMAGE, tag: 'v1' };
    // The registry front refuses pushes into a repository that does not exist, as Artifact Registry does.
    const front = new DistributionClient(resolveRepository(IMAGE, config), 'destination');
    await assert.rejects(
      front.mountOrStart(`sha256:${'0'.repeat(64)}`, undefined),
      (e: ResourceNotFoundError) => e.name === 'ResourceNotFoundError' && e.context.ociCode === 'NAME_UNKNOWN',
    );
    assert.deepEqual(await acts.ensureRepository({ env, repository: IMAGE }), { repository: REPO, created: true });
    assert.deepEqual(await acts.ensureRepository({ env, repository: IMAGE }), { repository: REPO, created: true });
    assert.deepEqual(await acts.ensureRepository({ env: other, repository: IMAGE }), {
      repository: REPO,
      created: false,
    });
    await acts.pushImage(push);
  });

  void it('deletes the repository only once it is empty, and only for the environment that created it', async () => {
    const acts = registryActivities({ config });
    assert.deepEqual(
      await acts.deleteRepository({ env, name: REPO }),
      { deleted: false, kept: REPOSITORY_KEPT.holdsImages(1) },
      'it still holds the image',
    );
    assert.deepEqual(await acts.deleteImageTag({ env, repository: IMAGE, tag: 'v1' }), { deleted: true });
    assert.deepEqual(
      await acts.deleteRepository({ env: other, name: REPO }),
      { deleted: false, kept: REPOSITORY_KEPT.notCreated },
      'not created by it',
    );
    assert.deepEqual(await acts.deleteRepository({ env, name: REPO }), { deleted: true });
    assert.deepEqual(
      await acts.deleteRepository({ env, name: REPO }),
      { deleted: false },
      'idempotent: gone, not kept',
    );
  });

  void it('leaves a repository gkeflow did not create alone', async () => {
    const acts = registryActivities({ config });
    const mine = registryActivities({ config });
    await mine.ensureRepository({ env: other, repository: 'asia-docker.pkg.dev/demo-project/shared/x' });
    assert.deepEqual(await acts.ensureRepository({ env, repository: 'asia-docker.pkg.dev/demo-project/shared/y' }), {
      repository: 'projects/demo-project/locations/asia/repositories/shared',
      created: false,
    });
    assert.deepEqual(
      await acts.deleteRepository({ env, name: 'projects/demo-project/locations/asia/repositories/shared' }),
      { deleted: false, kept: REPOSITORY_KEPT.notCreated },
    );
  });

  void it('has nothing to ensure for names outside Artifact Registry (gcr.io, the local registry itself)', async () => {
    const acts = registryActivities({ config });
    assert.deepEqual(await acts.ensureRepository({ env, repository: 'gcr.io/demo-project/web' }), { created: false });
    assert.deepEqual(await acts.ensureRepository({ env, repository: `${emu.registryAddress}/p/r/web` }), {
      created: false,
    });
  });
});

void describe('two environments sharing one Artifact Registry repository, provisioning at once', () => {
  /** The emulator's API, with both environments' lookups answered before either creates (the race, every time). */
  function racingApi(parties: number): ArtifactRegistryApi {
    const real = createArtifactRegistryApi(config);
    let waiting = 0;
    let release!: () => void;
    const allLooked = new Promise<void>((r) => (release = r));
    return {
      ...real,
      getRepository: async (name) => {
        const r = await real.getRepository(name);
        if (++waiting === parties) release();
        await allLooked;
        return r;
      },
    };
  }

  void it('the one whose create loses adopts the repository, and its compensation leaves it alone', async () => {
    const api = racingApi(2);
    const a = registryActivities({ config, artifactRegistry: api });
    const b = registryActivities({ config, artifactRegistry: api });
    const image = 'asia-docker.pkg.dev/demo-project/team/web';
    const name = 'projects/demo-project/locations/asia/repositories/team';
    const results = await Promise.allSettled([
      a.ensureRepository({ env, repository: image }),
      b.ensureRepository({ env: other, repository: image }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'fulfilled'],
      `both succeed: ${results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')).join('; ')}`,
    );
    const created = results.map((r) => (r as PromiseFulfilledResult<{ created: boolean }>).value.created);
    assert.deepEqual([...created].sort(), [false, true], 'exactly one of them created it');
    const loser = created[0] ? other : env;
    const plain = registryActivities({ config });
    assert.deepEqual(await plain.deleteRepository({ env: loser, name }), {
      deleted: false,
      kept: REPOSITORY_KEPT.notCreated,
    });
    assert.ok(await createArtifactRegistryApi(config).getRepository(name), 'the repository is still there');
  });
});

void describe('a shared repository deleted between ensureRepository and pushImage', () => {
  void it("the push re-creates it with the pushing environment's labels, and that environment's cleanup removes it", async () => {
    const acts = registryActivities({ config });
    const image = 'asia-docker.pkg.dev/demo-project/shared-race/web';
    const name = 'projects/demo-project/locations/asia/repositories/shared-race';
    assert.deepEqual(await acts.ensureRepository({ env, repository: image }), { repository: name, created: true });
    assert.deepEqual(await acts.ensureRepository({ env: other, repository: image }), {
      repository: name,
      created: false,
    });
    // The creator's compensation runs while the adopter is between ensureRepository and pushImage.
    assert.deepEqual(await acts.deleteRepository({ env, name }), { deleted: true });
    const pushed = await acts.pushImage({
      env: other,
      source: { kind: 'builtin', name: 'demo' },
      repository: image,
      tag: 'v1',
    });
    assert.equal(pushed.repositoryCreated, name, 'the push says it re-created the repository');
    const api = createArtifactRegistryApi(config);
    assert.equal(await api.countDockerImages(name), 1);
    assert.equal((await acts.deleteRepository({ env, name })).deleted, false, 'not the creator any more');
    assert.deepEqual(await acts.deleteImageTag({ env: other, repository: image, tag: 'v1' }), { deleted: true });
    assert.deepEqual(await acts.deleteRepository({ env: other, name }), { deleted: true });
    assert.equal(await api.getRepository(name), undefined, 'the re-created repository is gone');
  });
});
