/**
 * Shared by the reaper tests and bench: a GKE emulator without control planes, clusters made
 * with exactly the labels a case needs, a GKE client that counts DeleteCluster calls per cluster,
 * and a worker running the real workflows with the real activities on its own task queue.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from '../../src/activities/index';
import { createClusterRequestOf } from '../../src/activities/gke';
import type { GkeflowActivities } from '../../src/contract/activities';
import type { TargetConfig } from '../../src/clients/config';
import { createGkeClient, type Cluster, type GkeClient } from '../../src/clients/gke';
import { envRef } from '../../src/contract/environment-id';
import { expiresAtLabel, LABELS } from '../../src/contract/labels';
import { installationOwner } from '../../src/config/installation';
import type { EmulatorOptions, RunningEmulator } from '../../src/emulator';
import type { ProvisionTuning } from '../../src/contract/workflow-input';
import { emulator as testEmulator, tempStateDir } from './emulator';
import { testTemporalAddress, uniqueTaskQueue } from './temporal';

export const ZONE = 'us-central1-a';

// The tests' installation (the CLI processes they start inherit it): no file in the user's config dir.
process.env.GKEFLOW_INSTALLATION ??= 'gkeflow-tests';

/** The activities of the reaper tests and bench workers: GKE calls only (no control plane), short polls. */
export function reaperActivities(config: TargetConfig, gke: GkeClient): GkeflowActivities {
  return createActivities({
    config,
    gke,
    kubeFor: () => Promise.reject(new Error('no control plane in the reaper tests')),
    timings: { gkePollMs: 50, heartbeatMs: 500 },
  });
}
/** The gkeflow-owner of this installation in the dev server's `default` namespace: test clusters carry it, reapers judge by it. */
export const TEST_OWNER = installationOwner('default');

/** Timeouts short enough that a dead worker's activity is retried in seconds. */
export const REAPER_TUNING: ProvisionTuning = {
  shortTimeout: '10s',
  longTimeout: '60s',
  heartbeatTimeout: '3s',
  retryInitialInterval: 100,
  maximumAttempts: 5,
  cleanupMaximumAttempts: 5,
};

/** What a test cluster is: gkeflow's (managed) or someone else's, and its labels. */
export interface ClusterCase {
  project: string;
  name: string;
  location?: string;
  /** Made by gkeflow: managed-by and gkeflow-env labels (default true). */
  managed?: boolean;
  /** Expiry relative to now in ms (negative: expired); absent: no expiry label. */
  expiresInMs?: number;
  protect?: boolean;
  /** Its gkeflow-owner (managed clusters; default TEST_OWNER); null: none (a cluster made before owners). */
  owner?: string | null;
}

export interface ReaperCloud {
  emulator: RunningEmulator;
  config: TargetConfig;
  /** The GKE client the activities use; counts DeleteCluster calls. */
  gke: GkeClient;
  /** DeleteCluster calls issued, by full cluster name. */
  deletes: Map<string, number>;
  activities: GkeflowActivities;
  create(c: ClusterCase): Promise<void>;
  /**
   * Creates many clusters at once (`concurrency` CreateCluster calls in flight, the bench's
   * seeding path), then waits until every one is RUNNING with one ListClusters per project.
   */
  createMany(cs: ClusterCase[], concurrency?: number): Promise<void>;
  /** Names of the clusters that exist in a project. */
  names(project: string): Promise<string[]>;
  stop(): Promise<void>;
}

/** Starts the emulator (no control plane, zero delays unless told) and the counting client. */
export async function startReaperCloud(
  o: Pick<EmulatorOptions, 'delays' | 'quotas'> & { registryBackend?: string } = {},
): Promise<ReaperCloud> {
  const emulator = await testEmulator({
    // With a CNCF registry underneath, the local Artifact Registry's Docker endpoint too (pushes, tags).
    ...(o.registryBackend ? { registry: { port: 0, backend: o.registryBackend } } : {}),
    stateDir: tempStateDir('reaper-'),
    delays: { operationPending: 0, createCluster: 0, deleteCluster: 0, autoOperationAfterCreate: 0, ...o.delays },
    ...(o.quotas ? { quotas: o.quotas } : {}),
  });
  const config = {
    target: 'local' as const,
    emulatorAddress: emulator.address,
    registryAddress: emulator.registryAddress ?? '127.0.0.1:1',
  };
  const real = createGkeClient(config);
  const deletes = new Map<string, number>();
  const gke: GkeClient = {
    ...real,
    deleteCluster: (name) => {
      deletes.set(name, (deletes.get(name) ?? 0) + 1);
      return real.deleteCluster(name);
    },
  };
  const activities = reaperActivities(config, gke);
  const waitRunning = async (name: string) => {
    for (let i = 0; i < 400; i++) {
      if ((await real.getCluster(name)).status === 'RUNNING') return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`${name} never became RUNNING`);
  };
  const request = (c: ClusterCase) => {
    const location = c.location ?? ZONE;
    const env = envRef({ project: c.project, location, cluster: c.name });
    const labels: Record<string, string> = {};
    if (c.expiresInMs !== undefined) labels[LABELS.expiresAt] = expiresAtLabel(Date.now() + c.expiresInMs);
    if (c.protect) labels[LABELS.protect] = 'true';
    if (c.managed !== false && c.owner !== null) labels[LABELS.owner] = c.owner ?? TEST_OWNER;
    const pools = [{ name: 'default-pool', machineType: 'e2-small', nodeCount: 1 }];
    const cluster: Cluster =
      c.managed === false
        ? { ...createClusterRequestOf({ env, nodePools: pools, labels }), resourceLabels: labels }
        : createClusterRequestOf({ env, nodePools: pools, labels });
    return { parent: `projects/${c.project}/locations/${location}`, cluster };
  };
  return {
    emulator,
    config,
    gke,
    deletes,
    activities,
    async createMany(cs, concurrency = 50) {
      const queue = [...cs];
      const lane = async () => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          const r = request(c);
          await real.createCluster(r.parent, r.cluster);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, cs.length) }, lane));
      for (const project of new Set(cs.map((c) => c.project)))
        for (let i = 0; ; i++) {
          const listed = await real.listClusters(`projects/${project}/locations/-`);
          if (listed.every((c) => c.status === 'RUNNING')) break;
          if (i >= 400) throw new Error(`clusters of ${project} never all became RUNNING`);
          await new Promise((r) => setTimeout(r, 50));
        }
    },
    async create(c) {
      const r = request(c);
      await real.createCluster(r.parent, r.cluster);
      await waitRunning(`${r.parent}/clusters/${c.name}`);
    },
    async names(project) {
      return (await real.listClusters(`projects/${project}/locations/-`)).map((c) => c.name ?? '').sort();
    },
    async stop() {
      await real.close();
      await emulator.stop();
    },
  };
}

/** Runs fn with a worker of the real workflows and `activities` on its own task queue. */
export async function withReaperWorker<T>(
  bundle: WorkflowBundleWithSourceMap,
  activities: object,
  fn: (h: { client: Client; taskQueue: string }) => Promise<T>,
  taskQueue = uniqueTaskQueue('reaper'),
): Promise<T> {
  const address = await testTemporalAddress();
  const connection = await NativeConnection.connect({ address });
  const clientConnection = await Connection.connect({ address });
  try {
    const worker = await Worker.create({ connection, taskQueue, workflowBundle: bundle, activities });
    return await worker.runUntil(fn({ client: new Client({ connection: clientConnection }), taskQueue }));
  } finally {
    await clientConnection.close();
    await connection.close();
  }
}
