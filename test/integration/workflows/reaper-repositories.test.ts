/**
 * The reaper's second source of leftovers: Artifact Registry repositories (and pushed tags) left
 * by runs that ended before their cluster existed; and its continue-as-new with a long backlog.
 * The real workflows and activities, the emulator's Artifact Registry API with a CNCF registry
 * underneath (real pushes and tag deletes), the GKE emulator without control planes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { registryActivities, REPOSITORY_KEPT } from '../../../src/activities/registry';
import type { DeleteImageTagInput } from '../../../src/contract/image-io';
import { createArtifactRegistryApi } from '../../../src/clients/artifact-registry';
import { envRef, formatTeardownId } from '../../../src/contract/environment-id';
import { SKIP_REASONS } from '../../../src/workflows/reaper/plan';
import {
  ORPHANED_REPOSITORY,
  REPOSITORY_SCAN,
  REPOSITORY_SKIP_REASONS,
} from '../../../src/workflows/reaper/repositories';
import type { ReaperInput, ReapReport } from '../../../src/workflows/reaper';
import {
  REAPER_TUNING,
  TEST_OWNER,
  startReaperCloud,
  withReaperWorker,
  ZONE,
  type ReaperCloud,
} from '../../helpers/reaper';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry-server';
import { startEnv, testInput, workflowBundle } from '../../helpers/workflows';

const HOUR = 3_600_000;
let n = 0;
const project = () => `reaprepo-${process.pid % 10000}-${n++}`;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until the visibility list (which the reaper matches repository labels against) shows the workflow. */
async function visible(client: Client, workflowId: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    for await (const wf of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) if (wf) return;
    await sleep(50);
  }
  throw new Error(`${workflowId} never showed in the visibility list`);
}

function reap(client: Client, taskQueue: string, input: ReaperInput) {
  return client.workflow.execute<(i: ReaperInput) => Promise<ReapReport>>('reaperWorkflow', {
    workflowId: `reap-${Date.now()}-${Math.random()}`,
    taskQueue,
    args: [{ tuning: REAPER_TUNING, owner: TEST_OWNER, ...input }],
  });
}

void describe('reaperWorkflow and repositories left by runs that never got a cluster', { timeout: 240_000 }, () => {
  let reg: TestRegistry;
  let cloud: ReaperCloud;
  let bundle: WorkflowBundleWithSourceMap;
  before(async () => {
    reg = await startTestRegistry();
    cloud = await startReaperCloud({ registryBackend: reg.backend });
    bundle = await workflowBundle();
  });
  after(async () => {
    await cloud?.stop();
    await reg?.stop();
  });

  void it("deletes a terminated run's tag and the repository gkeflow created for it; keeps young, live, image-keeping and foreign ones", async () => {
    const p = project();
    const ar = createArtifactRegistryApi(cloud.config);
    const registry = registryActivities({ config: cloud.config });
    const image = (repo: string) => `asia-docker.pkg.dev/${p}/${repo}/app`;
    const repoName = (repo: string) => `projects/${p}/locations/asia/repositories/${repo}`;
    const tagDeletes: DeleteImageTagInput[] = [];
    const activities = {
      ...cloud.activities,
      deleteImageTag: (i: DeleteImageTagInput) => {
        tagDeletes.push(i);
        return cloud.activities.deleteImageTag(i);
      },
    };
    await withReaperWorker(bundle, activities, async ({ client, taskQueue }) => {
      /** A run (its workflow never polled) that got as far as ensureRepository and the push, then `end`. */
      const leftBehind = async (cluster: string, repo: string, deleteOnTeardown: boolean, end: boolean) => {
        const input = testInput((d) => {
          d.project = p;
          d.location = ZONE;
          d.image = { source: 'builtin:demo', repository: image(repo), tag: 'v1', deleteOnTeardown };
          (d.cluster as { name: string }).name = cluster;
        });
        const h = await startEnv(client, `nobody-polls-${p}`, input);
        const env = envRef({ project: p, location: ZONE, cluster });
        assert.equal(
          (await registry.ensureRepository({ env, repository: image(repo), owner: TEST_OWNER })).created,
          true,
        );
        await registry.pushImage({
          env,
          source: { kind: 'builtin', name: 'demo' },
          repository: image(repo),
          tag: 'v1',
        });
        if (end) await h.terminate('the run ended before its cluster existed');
        return h;
      };
      await leftBehind('never-got-cluster', 'leftover', true, true);
      await leftBehind('keeps-image', 'kept', false, true);
      const live = await leftBehind('live', 'live', true, false);
      await ar.createRepository(`projects/${p}/locations/asia`, 'foreign', {});
      // Another environment's cluster (protected): the cluster scan goes on as before.
      await cloud.create({ project: p, name: 'other', expiresInMs: HOUR, protect: true });
      const grace = 3000;
      await sleep(grace);
      try {
        const input = { projects: [p], orphanGraceMs: grace };
        const dry = await reap(client, taskQueue, { ...input, dryRun: true });
        assert.deepEqual(
          dry.planned.map((e) => [e.repository, e.reason, e.cluster]),
          [[repoName('leftover'), ORPHANED_REPOSITORY, 'never-got-cluster']],
        );
        assert.equal(dry.scannedRepositories, 4);
        assert.equal((await ar.listRepositories(`projects/${p}/locations/-`)).length, 4, 'the dry run deleted nothing');

        // Younger than the grace period when the reaper looks (its run known to the visibility list).
        const young = await leftBehind('young', 'young', true, true);
        await visible(client, young.workflowId);
        const r = await reap(client, taskQueue, input);
        assert.deepEqual(r.deleted, [
          {
            envId: `gkeflow/${p}/${ZONE}/never-got-cluster`,
            project: p,
            location: ZONE,
            cluster: 'never-got-cluster',
            reason: ORPHANED_REPOSITORY,
            via: 'teardown-workflow',
            workflowId: formatTeardownId({ project: p, location: ZONE, cluster: 'never-got-cluster' }),
            repository: repoName('leftover'),
          },
        ]);
        assert.deepEqual(r.failed, []);
        const why = Object.fromEntries(r.skipped.filter((e) => e.repository).map((e) => [e.repository, e.reason]));
        assert.deepEqual(why, {
          [repoName('foreign')]: SKIP_REASONS.foreign,
          [repoName('kept')]: REPOSITORY_SKIP_REASONS.keepsImage,
          [repoName('live')]: SKIP_REASONS.live,
          [repoName('young')]: SKIP_REASONS.grace,
        });
        assert.deepEqual(
          tagDeletes.map((t) => [t.repository, t.tag]),
          [[image('leftover'), 'v1']],
        );
        assert.deepEqual(
          (await ar.listRepositories(`projects/${p}/locations/-`)).map((x) => x.name),
          [repoName('foreign'), repoName('kept'), repoName('live'), repoName('young')],
        );
        assert.equal(await ar.countDockerImages(repoName('kept')), 1, 'the kept image is still there');
        assert.deepEqual(await cloud.names(p), ['other'], 'no cluster was deleted');
        assert.equal([...cloud.deletes.keys()].filter((k) => k.includes(`/${p}/`)).length, 0, 'no DeleteCluster');
      } finally {
        await live.terminate('test over');
        await ar.close();
      }
    });
  });

  void it('two reapers at once delete a leftover repository with one DeleteRepository', async () => {
    const p = project();
    const api = createArtifactRegistryApi(cloud.config);
    let deleteCalls = 0;
    const counting = {
      ...api,
      deleteRepository: (name: string) => {
        deleteCalls++;
        return api.deleteRepository(name);
      },
    };
    const registry = registryActivities({ config: cloud.config, artifactRegistry: counting });
    const activities = { ...cloud.activities, deleteRepository: registry.deleteRepository };
    const repository = `asia-docker.pkg.dev/${p}/twice/app`;
    await withReaperWorker(bundle, activities, async ({ client, taskQueue }) => {
      const input = testInput((d) => {
        d.project = p;
        d.location = ZONE;
        d.image = { source: 'builtin:demo', repository, tag: 'v1', deleteOnTeardown: true };
        (d.cluster as { name: string }).name = 'twice';
      });
      const h = await startEnv(client, `nobody-polls-${p}`, input);
      const env = envRef({ project: p, location: ZONE, cluster: 'twice' });
      await registry.ensureRepository({ env, repository, owner: TEST_OWNER });
      await registry.pushImage({ env, source: { kind: 'builtin', name: 'demo' }, repository, tag: 'v1' });
      await h.terminate('the run ended before its cluster existed');
      await visible(client, h.workflowId);
      await sleep(600);
      const [a, b] = await Promise.all([
        reap(client, taskQueue, { projects: [p], orphanGraceMs: 500 }),
        reap(client, taskQueue, { projects: [p], orphanGraceMs: 500 }),
      ]);
      assert.deepEqual([...a.failed, ...b.failed], []);
      assert.ok(
        [...a.deleted, ...b.deleted].some((e) => e.repository),
        'one of them tore it down',
      );
      assert.deepEqual(await api.listRepositories(`projects/${p}/locations/-`), []);
      assert.equal(deleteCalls, 1);
    });
    await api.close();
  });

  void it('reports a leftover repository that deleteRepository kept (another environment pushed into it) as kept, with the reason', async () => {
    const p = project();
    const ar = createArtifactRegistryApi(cloud.config);
    const registry = registryActivities({ config: cloud.config });
    const repository = `asia-docker.pkg.dev/${p}/shared/app`;
    const name = `projects/${p}/locations/asia/repositories/shared`;
    await withReaperWorker(bundle, cloud.activities, async ({ client, taskQueue }) => {
      const input = testInput((d) => {
        d.project = p;
        d.location = ZONE;
        d.image = { source: 'builtin:demo', repository, tag: 'v1', deleteOnTeardown: true };
        (d.cluster as { name: string }).name = 'creator';
      });
      const h = await startEnv(client, `nobody-polls-${p}`, input);
      const env = envRef({ project: p, location: ZONE, cluster: 'creator' });
      const sharer = envRef({ project: p, location: ZONE, cluster: 'sharer' });
      const demo = { kind: 'builtin', name: 'demo' } as const;
      assert.equal((await registry.ensureRepository({ env, repository, owner: TEST_OWNER })).created, true);
      await registry.pushImage({ env, source: demo, repository, tag: 'v1' });
      // Another environment adopted the repository and pushed its own image into it.
      const theirs = `asia-docker.pkg.dev/${p}/shared/other`;
      assert.equal(
        (await registry.ensureRepository({ env: sharer, repository: theirs, owner: TEST_OWNER })).created,
        false,
      );
      await registry.pushImage({ env: sharer, source: demo, repository: theirs, tag: 'v1' });
      await h.terminate('the run ended before its cluster existed');
      await visible(client, h.workflowId);
      await sleep(600);
      const r = await reap(client, taskQueue, { projects: [p], orphanGraceMs: 500 });
      assert.deepEqual(r.failed, []);
      assert.deepEqual(r.deleted, [], 'nothing reported deleted: the repository is still there');
      assert.deepEqual(
        (r.kept ?? []).map((e) => [e.repository, e.repositoryKept]),
        [[name, REPOSITORY_KEPT.holdsImages(1)]],
      );
      assert.equal(await ar.countDockerImages(name), 1, "the sharer's image is still there (the creator's tag went)");
    });
    await ar.close();
  });

  void it('a repository scan that fails is reported as failed, and the clusters are reaped all the same', async () => {
    const p = project();
    await cloud.create({ project: p, name: 'expired', expiresInMs: -HOUR });
    const activities = {
      ...cloud.activities,
      listRepositories: () =>
        Promise.reject(ApplicationFailure.nonRetryable('ListRepositories refused', 'InvalidArgumentError')),
    };
    await withReaperWorker(bundle, activities, async ({ client, taskQueue }) => {
      const r = await reap(client, taskQueue, { projects: [p] });
      assert.deepEqual(
        r.deleted.map((e) => e.cluster),
        ['expired'],
      );
      assert.deepEqual(
        r.failed.map((e) => [e.repository, e.reason]),
        [[`projects/${p}/locations/-`, REPOSITORY_SCAN]],
      );
      assert.match(r.failed[0]!.cause, /ListRepositories refused/);
    });
  });

  void it('continues as new when its history passes the limit, and the final report has every cluster', async () => {
    const p = project();
    const names = Array.from({ length: 12 }, (_, i) => `many-${String(i).padStart(2, '0')}`);
    for (const name of names) await cloud.create({ project: p, name, expiresInMs: -HOUR });
    await withReaperWorker(bundle, cloud.activities, async ({ client, taskQueue }) => {
      const h = await client.workflow.start<(i: ReaperInput) => Promise<ReapReport>>('reaperWorkflow', {
        workflowId: `reap-can-${p}`,
        taskQueue,
        args: [
          { projects: [p], parallelism: 2, owner: TEST_OWNER, tuning: { ...REAPER_TUNING, historyEventLimit: 40 } },
        ],
      });
      const r = await h.result();
      assert.deepEqual(r.deleted.map((e) => e.cluster).sort(), names);
      assert.deepEqual(r.failed, []);
      assert.equal(r.scanned, names.length);
      assert.deepEqual(await cloud.names(p), []);
      const first = await client.workflow.getHandle(h.workflowId, h.firstExecutionRunId).describe();
      assert.equal(first.status.name, 'CONTINUED_AS_NEW');
      const latest = await client.workflow.getHandle(h.workflowId).describe();
      assert.notEqual(latest.runId, h.firstExecutionRunId);
    });
  });
});
