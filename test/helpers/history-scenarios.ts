/**
 * Scenarios whose histories are recorded into test/fixtures/histories for replay tests. Run
 * `GKEFLOW_RECORD_HISTORIES=1 node --import tsx --test test/unit/workflows/replay.test.ts` after a
 * deliberate, compatible change to the workflows (and review the diff); otherwise the recorded
 * files are what the current code must replay without nondeterminism.
 */
import { WorkflowUpdateStage, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  environmentStartOptions,
  resizeUpdate,
  scaleUpdate,
  statusQuery,
  teardownUpdate,
  type ProvisionInput,
  type TeardownInput,
} from '../../src/workflows';
import { applySpecUpdate, extendUpdate } from '../../src/contract/messages';
import type { environmentWorkflow } from '../../src/workflows/environment';
import { initialState } from '../../src/workflows/state';
import type { teardownWorkflow } from '../../src/workflows/teardown';
import type { ReaperInput, reaperWorkflow } from '../../src/workflows/reaper';
import { formatEnvId } from '../../src/contract/environment-id';
import type { ClusterRow } from '../../src/contract/reaper-io';
import { FLEET_SCENARIOS } from './history-scenarios-fleet';
import { envHash, LABELS, MANAGED_BY_VALUE } from '../../src/contract/labels';
import {
  eventually,
  FAST,
  healthyReport,
  resizedReport,
  sleep,
  startEnv,
  testAppInput,
  testInput,
  type ActivityName,
  type Fault,
  type Stub,
} from './workflows';

/** The stub of the teardown-one-guard scenario (its drive looks at what the activities were given). */
let oneGuardStub: Stub | undefined;
/** The reaper-one-list scenario's stub (its drive checks what the reaper called). */
let oneListStub: Stub | undefined;

/** The environment a teardown or reaper scenario works on, by its cluster's name. */
const scenarioEnv = (cluster: string) => ({
  id: `gkeflow/gkeflow-test/asia-east1-a/${cluster}`,
  project: 'gkeflow-test',
  location: 'asia-east1-a',
  cluster,
});

/** One recorded scenario: its faults and what the client does. Returns the run whose history to keep. */
export interface Scenario {
  name: string;
  faults?: Partial<Record<ActivityName, Fault>>;
  /** Replaces stubbed activities (slow ones, scripted health reports) before the worker starts. */
  prepare?: (stub: Stub) => void;
  drive: (
    client: Client,
    taskQueue: string,
    cluster: string,
  ) => Promise<{ workflowId: string; firstExecutionRunId: string }>;
}

const named = (cluster: string, tuning = FAST) =>
  testInput((d) => ((d.cluster as { name: string }).name = cluster), tuning);

/** A named environment without plan steps, quick to reach `running`. */
const bare = (cluster: string, tuning = FAST) =>
  testInput((d) => {
    (d.cluster as { name: string }).name = cluster;
    d.steps = [];
  }, tuning);

const running = (h: { query: (q: typeof statusQuery) => Promise<{ phase: string }> }) =>
  eventually(
    () => h.query(statusQuery),
    (s) => s.phase === 'running',
  );

export const SCENARIOS: Scenario[] = [
  {
    name: 'happy-path-scale-teardown',
    drive: async (client, tq, cluster) => {
      const h = await startEnv(client, tq, named(cluster));
      await eventually(
        () => h.query(statusQuery),
        (s) => s.phase === 'running',
      );
      await h.executeUpdate(scaleUpdate, { args: [{ replicas: 4 }] });
      await h.executeUpdate(teardownUpdate, { args: [{}] });
      await h.result();
      return h;
    },
  },
  {
    name: 'apply-service-fails-compensates',
    faults: { applyService: { kind: 'permanent' } },
    drive: async (client, tq, cluster) => {
      const h = await startEnv(client, tq, named(cluster));
      await h.result().catch(() => undefined);
      return h;
    },
  },
  {
    name: 'cleanup-incomplete',
    faults: { waitForExternalIp: { kind: 'permanent' }, deleteService: { kind: 'transient', times: 99 } },
    drive: async (client, tq, cluster) => {
      const h = await startEnv(client, tq, named(cluster));
      await h.result().catch(() => undefined);
      return h;
    },
  },
  {
    name: 'cancel-during-provisioning',
    faults: { applyDeployment: { kind: 'hang' } },
    drive: async (client, tq, cluster) => {
      const h = await startEnv(client, tq, named(cluster));
      await eventually(
        () => h.query(statusQuery),
        (s) => s.resources.deployment === 'creating',
      );
      await h.cancel();
      await h.result().catch(() => undefined);
      return h;
    },
  },
  {
    name: 'ttl-expiry',
    drive: async (client, tq, cluster) => {
      const h = await startEnv(
        client,
        tq,
        testInput((d) => {
          (d.cluster as { name: string }).name = cluster;
          d.ttl = '2s';
          d.steps = [];
        }),
      );
      await h.result();
      return h;
    },
  },
  {
    name: 'continue-as-new-first-run',
    drive: async (client, tq, cluster) => {
      const h = await startEnv(
        client,
        tq,
        testInput(
          (d) => {
            (d.cluster as { name: string }).name = cluster;
            d.steps = [];
          },
          { ...FAST, historyEventLimit: 40 },
        ),
      );
      await eventually(
        () => h.query(statusQuery),
        (s) => s.phase === 'running',
      );
      for (let n = 1; n <= 5; n++) await h.executeUpdate(scaleUpdate, { args: [{ replicas: n }] });
      await eventually(
        () => h.query(statusQuery),
        (s) => s.generation >= 1,
      );
      await h.executeUpdate(teardownUpdate, { args: [{}] });
      // The first run's history is the one that ends in ContinueAsNew.
      return h;
    },
  },
  {
    // i10-serial-updates: two scales queued behind a resize run after it, in arrival order.
    name: 'serial-updates-fifo',
    prepare: (stub) => {
      stub.activities.resizeNodePool = async () => sleep(1500);
      stub.activities.scaleDeployment = async (i) => {
        await sleep(200);
        return { readyReplicas: i.replicas };
      };
    },
    drive: async (client, tq, cluster) => {
      const h = await startEnv(client, tq, bare(cluster));
      await running(h);
      const accepted = { waitForStage: WorkflowUpdateStage.ACCEPTED } as const;
      const resize = await h.startUpdate(resizeUpdate, { args: [{ pool: 'default-pool', nodeCount: 3 }], ...accepted });
      const first = await h.startUpdate(scaleUpdate, { args: [{ replicas: 3 }], ...accepted });
      const second = await h.startUpdate(scaleUpdate, { args: [{ replicas: 5 }], ...accepted });
      await Promise.all([resize.result(), first.result(), second.result()]);
      await h.executeUpdate(teardownUpdate, { args: [{}] });
      await h.result();
      return h;
    },
  },
  {
    // i10-serial-updates: a teardown waits for the resize in flight, refuses the queued scale, keeps its phase.
    name: 'teardown-during-resize',
    prepare: (stub) => {
      stub.activities.resizeNodePool = async () => sleep(1500);
    },
    drive: async (client, tq, cluster) => {
      const h = await startEnv(client, tq, bare(cluster));
      await running(h);
      const accepted = { waitForStage: WorkflowUpdateStage.ACCEPTED } as const;
      const resize = await h.startUpdate(resizeUpdate, { args: [{ pool: 'default-pool', nodeCount: 3 }], ...accepted });
      const queued = await h.startUpdate(scaleUpdate, { args: [{ replicas: 3 }], ...accepted });
      await h.executeUpdate(teardownUpdate, { args: [{ reason: 'recorded' }] });
      await resize.result();
      await queued.result().catch(() => undefined);
      await h.result();
      return h;
    },
  },
  {
    // The extend update: relabel, move the timer; shortened, the TTL ends the run.
    name: 'extend-ttl',
    drive: async (client, tq, cluster) => {
      const h = await startEnv(client, tq, bare(cluster));
      await running(h);
      await h.executeUpdate(extendUpdate, { args: [{ ttl: '2h' }] });
      await h.executeUpdate(extendUpdate, { args: [{ ttl: '1s' }] });
      await h.result();
      return h;
    },
  },
  {
    // i8-drift-check: healthy, degraded (pool resized behind its back), then the cluster is gone: lost.
    name: 'drift-degraded-lost',
    prepare: (stub) => {
      let n = 0;
      stub.activities.checkHealth = async () => {
        n += 1;
        if (n <= 1) return healthyReport();
        if (n <= 2) return resizedReport();
        return { cluster: 'MISSING', pools: [] };
      };
    },
    drive: async (client, tq, cluster) => {
      const h = await startEnv(client, tq, bare(cluster, { ...FAST, healthCheckInterval: 300 }));
      await h.result().catch(() => undefined);
      return h;
    },
  },
  {
    // i10-carried-spec-cleanup: a continued run whose carried spec a newer worker refuses cleans up.
    name: 'carried-spec-cleanup',
    drive: async (client, tq, cluster) => {
      const input = bare(cluster);
      const stale = { ...JSON.parse(JSON.stringify(input.spec)), ttl: '99d' } as ProvisionInput['spec'];
      const h = await client.workflow.start<typeof environmentWorkflow>('environmentWorkflow', {
        ...environmentStartOptions(input),
        taskQueue: tq,
        args: [
          {
            spec: stale,
            tuning: FAST,
            carried: {
              ...initialState(input.spec, Date.now() + 3_600_000),
              phase: 'running',
              resources: { image: 'ready', cluster: 'ready', deployment: 'ready', service: 'ready' },
              endpoint: 'http://203.0.113.7:8888',
            },
          },
        ],
      });
      await h.result().catch(() => undefined);
      return h;
    },
  },
  {
    // i10-secret-env: a secretFrom env value becomes a Secret (applySecretEnv) before the Deployment.
    name: 'secret-env',
    drive: async (client, tq, cluster) => {
      const input = testInput((d) => {
        (d.cluster as { name: string }).name = cluster;
        d.steps = [];
        const c = (d.deployment as { containers: Array<Record<string, unknown>> }).containers[0]!;
        c.env = { MODE: 'demo', API_TOKEN: { secretFrom: 'env:GKEFLOW_DEMO_TOKEN' } };
      });
      const h = await startEnv(client, tq, input);
      await eventually(
        () => h.query(statusQuery),
        (s) => s.phase === 'running',
      );
      await h.executeUpdate(teardownUpdate, { args: [{}] });
      await h.result();
      return h;
    },
  },
  {
    name: 'teardown-workflow',
    drive: async (client, tq, cluster) => {
      const env = scenarioEnv(cluster);
      const input: TeardownInput = { env, service: 'rc-node', deployment: 'rc-node', tuning: FAST };
      const h = await client.workflow.start<typeof teardownWorkflow>('teardownWorkflow', {
        workflowId: `teardown/${env.id}`,
        taskQueue: tq,
        args: [input],
      });
      await h.result();
      return h;
    },
  },
  {
    // Issue 8: the reaper tears down an expired and an orphaned cluster as children, skips a foreign one.
    name: 'reaper-expired-orphaned-foreign',
    prepare: (stub) => {
      const listed = (name: string, labels: Record<string, string>) => ({
        project: 'gkeflow-test',
        location: 'asia-east1-a',
        name,
        status: 'RUNNING',
        labels,
        createdAtMs: 0,
      });
      const managed = (name: string) => ({
        [LABELS.managedBy]: MANAGED_BY_VALUE,
        [LABELS.env]: envHash(formatEnvId({ project: 'gkeflow-test', location: 'asia-east1-a', cluster: name })),
      });
      stub.activities.listClusters = () =>
        Promise.resolve([
          listed('reaper-expired', { ...managed('reaper-expired'), [LABELS.expiresAt]: '1' }),
          listed('reaper-orphaned', managed('reaper-orphaned')),
          listed('reaper-foreign', {}),
        ]);
    },
    drive: async (client, tq, cluster) => {
      const input: ReaperInput = { projects: ['gkeflow-test'], orphanGraceMs: 0, parallelism: 1, tuning: FAST };
      const h = await client.workflow.start<typeof reaperWorkflow>('reaperWorkflow', {
        workflowId: `reaper/${cluster}`,
        taskQueue: tq,
        args: [input],
      });
      await h.result();
      return h;
    },
  },
  {
    // Session 3 (PATCHES.reaperRepositories): a repository gkeflow created for an environment whose
    // run ended before its cluster existed is torn down (cluster: false); a foreign one is skipped.
    name: 'reaper-repository-leftover',
    prepare: (stub) => {
      const envId = formatEnvId({ project: 'gkeflow-test', location: 'asia-east1-a', cluster: 'never-got-cluster' });
      const repo = (name: string, labels: Record<string, string>, images: number) => ({
        name: `projects/gkeflow-test/locations/asia/repositories/${name}`,
        labels,
        createdAtMs: 0,
        images,
      });
      stub.activities.listRepositories = () =>
        Promise.resolve([
          repo('leftover', { [LABELS.managedBy]: MANAGED_BY_VALUE, [LABELS.env]: envHash(envId) }, 0),
          repo('foreign', {}, 0),
        ]);
      stub.activities.environmentIdsByHash = () => Promise.resolve({ [envHash(envId)]: envId });
    },
    drive: async (client, tq, cluster) => {
      const input: ReaperInput = { projects: ['gkeflow-test'], orphanGraceMs: 0, parallelism: 1, tuning: FAST };
      const h = await client.workflow.start<typeof reaperWorkflow>('reaperWorkflow', {
        workflowId: `reaper/${cluster}`,
        taskQueue: tq,
        args: [input],
      });
      await h.result();
      return h;
    },
  },
  {
    // Session 3 (PATCHES.reaperContinueAsNew): past tuning.historyEventLimit the reaper continues
    // as new with the teardowns left and its report so far (the first run's history is kept).
    name: 'reaper-continues-as-new',
    prepare: (stub) => {
      stub.activities.listClusters = () =>
        Promise.resolve(
          Array.from({ length: 6 }, (_, i) => {
            const name = `reaper-many-${i}`;
            const envId = formatEnvId({ project: 'gkeflow-test', location: 'asia-east1-a', cluster: name });
            return {
              project: 'gkeflow-test',
              location: 'asia-east1-a',
              name,
              status: 'RUNNING',
              labels: { [LABELS.managedBy]: MANAGED_BY_VALUE, [LABELS.env]: envHash(envId), [LABELS.expiresAt]: '1' },
              createdAtMs: 0,
            };
          }),
        );
    },
    drive: async (client, tq, cluster) => {
      const input: ReaperInput = {
        projects: ['gkeflow-test'],
        parallelism: 1,
        tuning: { ...FAST, historyEventLimit: 20 },
      };
      const h = await client.workflow.start<typeof reaperWorkflow>('reaperWorkflow', {
        workflowId: `reaper/${cluster}`,
        taskQueue: tq,
        args: [input],
      });
      const r = await h.result();
      if (r.deleted.length !== 6) throw new Error(`expected 6 deleted, got ${r.deleted.length}`);
      return h;
    },
  },
  {
    // Issue 17 (PATCHES.reaperOwner): the reaper judges only clusters its owner owns; an unowned,
    // a foreign-owned and one of unknown age are skipped; a project that cannot be listed is reported.
    name: 'reaper-owner',
    prepare: (stub) => {
      const listed = (name: string, labels: Record<string, string>, createdAtMs = 1_700_000_000_000) => ({
        project: 'gkeflow-test',
        location: 'asia-east1-a',
        name,
        status: 'RUNNING',
        labels: {
          [LABELS.managedBy]: MANAGED_BY_VALUE,
          [LABELS.env]: envHash(formatEnvId({ project: 'gkeflow-test', location: 'asia-east1-a', cluster: name })),
          [LABELS.expiresAt]: '1700000001',
          ...labels,
        },
        createdAtMs,
      });
      stub.activities.listClusters = ({ project }) =>
        project === 'gkeflow-denied'
          ? Promise.reject(new Error('PERMISSION_DENIED'))
          : Promise.resolve([
              listed('reaper-ours', { [LABELS.owner]: 'aaaaaaaaaaaa' }),
              listed('reaper-theirs', { [LABELS.owner]: 'bbbbbbbbbbbb' }),
              listed('reaper-unowned', {}),
              listed('reaper-no-age', { [LABELS.owner]: 'aaaaaaaaaaaa' }, 0),
            ]);
    },
    drive: async (client, tq, cluster) => {
      const input: ReaperInput = {
        projects: ['gkeflow-test', 'gkeflow-denied'],
        orphanGraceMs: 0,
        parallelism: 1,
        owner: 'aaaaaaaaaaaa',
        tuning: FAST,
      };
      const h = await client.workflow.start<typeof reaperWorkflow>('reaperWorkflow', {
        workflowId: `reaper/${cluster}`,
        taskQueue: tq,
        args: [input],
      });
      const r = await h.result();
      if (r.deleted.length !== 1 || r.skipped.length !== 3 || r.failed.length !== 1)
        throw new Error(`unexpected report ${JSON.stringify(r)}`);
      return h;
    },
  },
  {
    // Issue 17 (PATCHES.teardownGuard): a reaper's teardown re-checks before each delete; the
    // re-check refuses before the cluster (protected since the list) and nothing more is deleted.
    name: 'teardown-workflow-guard',
    prepare: (stub) => {
      let checks = 0;
      stub.activities.checkTeardown = () =>
        ++checks < 3
          ? Promise.resolve()
          : Promise.reject(
              ApplicationFailure.create({ type: 'TeardownRefusedError', message: 'protected', nonRetryable: true }),
            );
    },
    drive: async (client, tq, cluster) => {
      const env = scenarioEnv(cluster);
      const input: TeardownInput = {
        env,
        service: 'rc-node',
        deployment: 'rc-node',
        reason: 'orphaned',
        guard: { owner: 'aaaaaaaaaaaa', reason: 'orphaned', cluster: true },
        tuning: FAST,
      };
      const h = await client.workflow.start<typeof teardownWorkflow>('teardownWorkflow', {
        workflowId: `teardown/${env.id}`,
        taskQueue: tq,
        args: [input],
      });
      const failed = await h.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      if (!failed) throw new Error('the guarded teardown did not refuse');
      return h;
    },
  },
  {
    // Issue 17 (PATCHES.extendClosing): the TTL fires while an extend's relabel runs: the
    // environment tears down and the extend fails with EnvironmentClosingError.
    name: 'extend-overtaken-by-ttl',
    prepare: (stub) => {
      stub.activities.setClusterLabels = () => sleep(2500);
    },
    drive: async (client, tq, cluster) => {
      const h = await startEnv(
        client,
        tq,
        testInput((d) => {
          (d.cluster as { name: string }).name = cluster;
          d.steps = [];
          d.ttl = '3s';
        }),
      );
      await running(h);
      const extended = await h.executeUpdate(extendUpdate, { args: [{ ttl: '2h' }] }).then(
        () => 'extended',
        (e: Error) => (e.cause instanceof Error ? e.cause.message : e.message),
      );
      await h.result().catch(() => undefined);
      if (extended === 'extended') throw new Error('the extend overtaken by the TTL reported success');
      return h;
    },
  },
  {
    // Issue 9: the repository is ensured before the push; the one gkeflow created goes after the image tag.
    name: 'ensure-repository-created-then-deleted',
    prepare: (stub) => {
      stub.activities.ensureRepository = () =>
        Promise.resolve({ repository: 'projects/gkeflow-test/locations/asia/repositories/repo', created: true });
    },
    drive: async (client, tq, cluster) => {
      const h = await startEnv(client, tq, bare(cluster, { ...FAST, deleteImageOnTeardown: true }));
      await running(h);
      await h.executeUpdate(teardownUpdate, { args: [{}] });
      await h.result();
      return h;
    },
  },
  {
    // Session 3 (PATCHES.unpushedRepositoryCleanup): a push that fails for good, the image kept on
    // teardown: the repository gkeflow created is deleted all the same (it holds nothing).
    name: 'push-fails-deletes-created-repository',
    faults: { pushImage: { kind: 'permanent' } },
    prepare: (stub) => {
      stub.activities.ensureRepository = () =>
        Promise.resolve({ repository: 'projects/gkeflow-test/locations/asia/repositories/repo', created: true });
    },
    drive: async (client, tq, cluster) => {
      const h = await startEnv(client, tq, bare(cluster));
      await h.result().catch(() => undefined);
      return h;
    },
  },
  {
    // Session 3 (PATCHES.registerRepository): the repository is registered before ensureRepository,
    // so one whose create landed but never answered (every attempt fails after it) is deleted.
    name: 'ensure-repository-fails-registered-repository-deleted',
    faults: { ensureRepository: { kind: 'create-then-fail' } },
    drive: async (client, tq, cluster) => {
      const h = await startEnv(client, tq, bare(cluster));
      await h.result().catch(() => undefined);
      return h;
    },
  },
  {
    // s4-app: an app (spec `app:`) applied from its bundle as one ApplySet, then torn down whole.
    name: 'app-apply-teardown',
    drive: async (client, tq, cluster) => {
      const h = await startEnv(
        client,
        tq,
        testAppInput((d) => ((d.cluster as { name: string }).name = cluster)),
      );
      await running(h);
      await h.executeUpdate(teardownUpdate, { args: [{}] });
      await h.result();
      return h;
    },
  },
  {
    // s4-app: `up` on a running app with a changed spec: the apply update (new image, new bundle).
    name: 'app-apply-update',
    drive: async (client, tq, cluster) => {
      const input = testAppInput((d) => ((d.cluster as { name: string }).name = cluster));
      const h = await startEnv(client, tq, input);
      await running(h);
      const spec = {
        ...input.spec,
        image: { ...input.spec.image!, tag: 'v2' },
        app: { ...input.spec.app!, bundle: `asia-docker.pkg.dev/gkeflow-test/repo/app-app@sha256:${'ef'.repeat(32)}` },
      };
      await h.executeUpdate(applySpecUpdate, { args: [{ spec }] });
      await h.executeUpdate(teardownUpdate, { args: [{}] });
      await h.result();
      return h;
    },
  },
  {
    // s5-namespace-environment: a namespace on a cluster gkeflow did not create: ensureNamespace,
    // deploy, extend (relabels the namespace), teardown (Service, Deployment, namespace; no cluster).
    name: 'namespace-environment',
    drive: async (client, tq, cluster) => {
      const h = await startEnv(client, tq, namespaceInput(cluster));
      await running(h);
      await h.executeUpdate(extendUpdate, { args: [{ ttl: '2h' }] });
      await h.executeUpdate(teardownUpdate, { args: [{}] });
      await h.result();
      return h;
    },
  },
  {
    // s5-reaper-namespaces: the reaper lists gkeflow's namespaces on a cluster that is not
    // gkeflow's; an expired namespace environment of its owner is torn down (namespace only), a
    // foreign-owned one skipped, the cluster's own-environment namespace left to its cluster.
    name: 'reaper-namespaces',
    prepare: (stub) => {
      const at = { project: 'gkeflow-test', location: 'asia-east1-a' };
      stub.activities.listClusters = () =>
        Promise.resolve([{ ...at, name: 'shared', status: 'RUNNING', labels: {}, createdAtMs: 1_700_000_000_000 }]);
      const ns = (namespace: string, owner: string) => ({
        ...at,
        name: 'shared',
        namespace,
        status: 'RUNNING',
        labels: {
          [LABELS.managedBy]: MANAGED_BY_VALUE,
          [LABELS.env]: envHash(formatEnvId({ ...at, cluster: 'shared', namespace })),
          [LABELS.expiresAt]: '1700000001',
          [LABELS.owner]: owner,
        },
        createdAtMs: 1_700_000_000_000,
      });
      stub.activities.listNamespaces = () =>
        Promise.resolve([ns('pr-ours', 'aaaaaaaaaaaa'), ns('pr-theirs', 'bbbbbbbbbbbb')]);
    },
    drive: async (client, tq, cluster) => {
      const input: ReaperInput = {
        projects: ['gkeflow-test'],
        orphanGraceMs: 0,
        parallelism: 1,
        owner: 'aaaaaaaaaaaa',
        tuning: FAST,
      };
      const h = await client.workflow.start<typeof reaperWorkflow>('reaperWorkflow', {
        workflowId: `reaper/${cluster}`,
        taskQueue: tq,
        args: [input],
      });
      const r = await h.result();
      if (r.deleted.length !== 1 || r.deleted[0]?.namespace !== 'pr-ours' || r.skipped.length !== 2)
        throw new Error(`unexpected report ${JSON.stringify(r)}`);
      return h;
    },
  },
  {
    // Issue 17 (PATCHES.missingClusterLeak): a reaper's teardown whose cluster is already gone
    // reports its Service as a possible leak (its load balancer), not as cleaned.
    name: 'teardown-missing-cluster-leak',
    prepare: (stub) => {
      stub.activities.deleteService = () => Promise.resolve({ deleted: false, clusterMissing: true });
      stub.activities.deleteDeployment = () => Promise.resolve({ deleted: false, clusterMissing: true });
      stub.activities.deleteCluster = () => Promise.resolve({ deleted: false });
    },
    drive: async (client, tq, cluster) => {
      const env = scenarioEnv(cluster);
      const input: TeardownInput = {
        env,
        service: 'rc-node',
        deployment: 'rc-node',
        reason: 'orphaned',
        guard: { owner: 'aaaaaaaaaaaa', reason: 'orphaned', cluster: true },
        tuning: FAST,
      };
      const h = await client.workflow.start<typeof teardownWorkflow>('teardownWorkflow', {
        workflowId: `teardown/${env.id}`,
        taskQueue: tq,
        args: [input],
      });
      const r = await h.result();
      if (r.possibleLeaks?.length !== 1) throw new Error(`no possible leak reported: ${JSON.stringify(r)}`);
      return h;
    },
  },
  {
    // Issue 17 (PATCHES.appMissingClusterLeak): a reaper's teardown of an app whose cluster is
    // already gone reports the app's load balancers as a possible leak, not as cleaned.
    name: 'teardown-app-missing-cluster-leak',
    prepare: (stub) => {
      stub.activities.deleteApp = () => Promise.resolve({ deleted: false, members: [], clusterMissing: true });
      stub.activities.deleteCluster = () => Promise.resolve({ deleted: false });
    },
    drive: async (client, tq, cluster) => {
      const env = scenarioEnv(cluster);
      const input: TeardownInput = {
        env,
        namespace: 'preview',
        app: true,
        reason: 'orphaned',
        guard: { owner: 'aaaaaaaaaaaa', reason: 'orphaned', cluster: true },
        tuning: FAST,
      };
      const h = await client.workflow.start<typeof teardownWorkflow>('teardownWorkflow', {
        workflowId: `teardown/${env.id}`,
        taskQueue: tq,
        args: [input],
      });
      const r = await h.result();
      if (r.possibleLeaks?.length !== 1) throw new Error(`no possible leak reported: ${JSON.stringify(r)}`);
      return h;
    },
  },
  {
    // Issue 17 (PATCHES.appMissingClusterLeak): an app environment torn down after its cluster
    // went (before the drift check saw it) reports the app's load balancers as a possible leak.
    name: 'app-teardown-missing-cluster-leak',
    prepare: (stub) => {
      stub.activities.deleteApp = () => Promise.resolve({ deleted: false, members: [], clusterMissing: true });
      stub.activities.deleteCluster = () => Promise.resolve({ deleted: false });
    },
    drive: async (client, tq, cluster) => {
      const h = await startEnv(
        client,
        tq,
        testAppInput((d) => ((d.cluster as { name: string }).name = cluster)),
      );
      await running(h);
      const r = await h.executeUpdate(teardownUpdate, { args: [{ reason: 'recorded' }] });
      if (r.possibleLeaks?.length !== 1) throw new Error(`no possible leak reported: ${JSON.stringify(r)}`);
      await h.result();
      return h;
    },
  },
  ...FLEET_SCENARIOS,
  {
    // Issue 23 (PATCHES.reaperBoundedPayloads): clusters listed in pages (cursor), open runs and
    // last runs read in batches, continue-as-new carrying the teardowns left by name; the result
    // counts every deletion across the runs (the first run's history is kept).
    name: 'reaper-bounded-payloads',
    prepare: (stub) => {
      const names = Array.from({ length: 6 }, (_, i) => `reaper-bounded-${i}`);
      stub.activities.listClusters = ({ project, limit, after }) =>
        Promise.resolve(
          names
            .map((name) => {
              const envId = formatEnvId({ project, location: 'asia-east1-a', cluster: name });
              return {
                project,
                location: 'asia-east1-a',
                name,
                status: 'RUNNING',
                labels: {
                  [LABELS.managedBy]: MANAGED_BY_VALUE,
                  [LABELS.env]: envHash(envId),
                  [LABELS.expiresAt]: '1700000001',
                  [LABELS.owner]: 'aaaaaaaaaaaa',
                },
                createdAtMs: 1_700_000_000_000,
              };
            })
            .filter((c) => after === undefined || `${c.location}/${c.name}` > after)
            .slice(0, limit),
        );
    },
    drive: async (client, tq, cluster) => {
      const input: ReaperInput = {
        projects: ['gkeflow-test'],
        parallelism: 2,
        owner: 'aaaaaaaaaaaa',
        tuning: { ...FAST, historyEventLimit: 30 },
      };
      const h = await client.workflow.start<typeof reaperWorkflow>('reaperWorkflow', {
        workflowId: `reaper/${cluster}`,
        taskQueue: tq,
        args: [input],
      });
      const r = await h.result();
      if (r.deleted.length + (r.omitted?.deleted ?? 0) !== 6)
        throw new Error(`expected 6 deleted: ${JSON.stringify(r)}`);
      return h;
    },
  },
  {
    // Session 7 (PATCHES.teardownOneGuard): a reaper's teardown re-checks before the Service and
    // the Deployment, then hands deleteCluster its guard (deleteCluster re-checks right before
    // DeleteCluster itself) instead of a third checkTeardown.
    name: 'teardown-one-guard',
    prepare: (stub) => {
      oneGuardStub = stub;
    },
    drive: async (client, tq, cluster) => {
      const env = scenarioEnv(cluster);
      const guard = { owner: 'aaaaaaaaaaaa', reason: 'orphaned', cluster: true };
      const input: TeardownInput = {
        env,
        service: 'rc-node',
        deployment: 'rc-node',
        reason: 'orphaned',
        guard,
        tuning: FAST,
      };
      const h = await client.workflow.start<typeof teardownWorkflow>('teardownWorkflow', {
        workflowId: `teardown/${env.id}`,
        taskQueue: tq,
        args: [input],
      });
      await h.result();
      const calls = oneGuardStub?.calls.filter((c) => c === 'checkTeardown').length;
      const given = (oneGuardStub?.inputs.deleteCluster?.[0] as { guard?: unknown } | undefined)?.guard;
      if (calls !== 2 || JSON.stringify(given) !== JSON.stringify(guard))
        throw new Error(
          `expected 2 checkTeardown and deleteCluster given the guard: ${calls}, ${JSON.stringify(given)}`,
        );
      return h;
    },
  },
  {
    // Session 8 (PATCHES.reaperOneList): the reaper lists each project once (listClusterTable, one
    // compact result) instead of in pages, and lists namespaces only on the clusters it showed
    // with a control plane.
    name: 'reaper-one-list',
    prepare: (stub) => {
      oneListStub = stub;
      stub.activities.listClusterTable = ({ project }) => {
        stub.calls.push('listClusterTable');
        return Promise.resolve({
          keys: [LABELS.env, LABELS.expiresAt, LABELS.managedBy, LABELS.owner],
          rows: Array.from({ length: 4 }, (_, i) => {
            const name = `reaper-one-list-${i}`;
            const envId = formatEnvId({ project, location: 'asia-east1-a', cluster: name });
            // Only the last has a control plane.
            return [
              'asia-east1-a',
              name,
              'RUNNING',
              1_700_000_000_000,
              i === 3 ? 1 : 0,
              envHash(envId),
              '1700000001',
              MANAGED_BY_VALUE,
              'aaaaaaaaaaaa',
            ] as ClusterRow;
          }),
        });
      };
    },
    drive: async (client, tq, cluster) => {
      const input: ReaperInput = { projects: ['gkeflow-test'], parallelism: 2, owner: 'aaaaaaaaaaaa', tuning: FAST };
      const h = await client.workflow.start<typeof reaperWorkflow>('reaperWorkflow', {
        workflowId: `reaper/${cluster}`,
        taskQueue: tq,
        args: [input],
      });
      const r = await h.result();
      const calls = oneListStub?.calls ?? [];
      const hosts = (oneListStub?.inputs.listNamespacesBatch ?? []) as Array<{ clusters: Array<{ cluster: string }> }>;
      if (
        r.deleted.length !== 4 ||
        calls.filter((c) => c === 'listClusterTable').length !== 1 ||
        calls.includes('listClusters') ||
        JSON.stringify(hosts.flatMap((b) => b.clusters.map((c) => c.cluster))) !== '["reaper-one-list-3"]'
      )
        throw new Error(`expected one listing and namespaces on one cluster: ${JSON.stringify({ r, calls, hosts })}`);
      return h;
    },
  },
];

/** A namespace environment (spec cluster.existing) on the shared cluster `cluster`, without plan steps. */
export const namespaceInput = (cluster: string, namespace = 'pr-1', tuning = FAST) =>
  testInput((d) => {
    d.cluster = { existing: cluster, namespace, quota: { pods: 10 } };
    d.steps = [];
  }, tuning);
