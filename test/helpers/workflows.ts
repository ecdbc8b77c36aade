/**
 * Shared harness for workflow tests: the real Temporal dev server, the workflow bundle built
 * once per file, a Worker per test on its own task queue, and stubbed activities that record
 * every call and fail on demand.
 */
import type { HealthReport } from '../../src/contract/cluster-io';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { GkeflowActivities } from '../../src/contract/activities';
import type { SweepHealthInput, SweepHealthResult } from '../../src/contract/fleet-health';
import { clusterTableOf, type ClusterSummary, type ClusterTable } from '../../src/contract/reaper-io';
import { checkSpec, toProvisionInput } from '../../src/envspec';
import {
  environmentStartOptions,
  statusQuery,
  type EnvironmentStatus,
  type ProvisionInput,
  type ProvisionTuning,
} from '../../src/workflows';
import type { environmentWorkflow } from '../../src/workflows/environment';
import { quietWorkerLogs, workflowBundle } from '../../src/stack/local-temporal';
import { testTemporalAddress, uniqueTaskQueue } from './temporal';

quietWorkerLogs();

export { workflowBundle };

export type ActivityName = keyof GkeflowActivities;

/** How a stubbed activity misbehaves. */
export type Fault =
  | { kind: 'permanent'; type?: string }
  /** Throws a retryable error `times` times, then works. */
  | { kind: 'transient'; times: number }
  /** Does its side effect (records `created:<name>`), then throws a retryable error every time. */
  | { kind: 'create-then-fail' }
  /** Heartbeats until cancelled (a long wait a cancel must interrupt). */
  | { kind: 'hang' }
  /** First attempt goes silent (no heartbeats) for ms, as a dead worker would; later attempts work. */
  | { kind: 'stall-once'; ms: number };

/** Stubbed activities: `calls` lists every attempt's activity name, in order. */
export interface Stub {
  activities: GkeflowActivities;
  calls: string[];
  /** Names of successful calls only, in order (retries collapse to their success). */
  succeeded: string[];
  faults: Partial<Record<ActivityName, Fault>>;
  attempts: Partial<Record<ActivityName, number>>;
  /** The input of every call, by activity. */
  inputs: Partial<Record<ActivityName, unknown[]>>;
}

export function stubActivities(faults: Partial<Record<ActivityName, Fault>> = {}): Stub {
  const stub: Stub = {
    activities: {} as GkeflowActivities,
    calls: [],
    succeeded: [],
    faults,
    attempts: {},
    inputs: {},
  };
  const results: { [K in ActivityName]: Awaited<ReturnType<GkeflowActivities[K]>> } = {
    pushImage: {
      digest: `sha256:${'ab'.repeat(32)}`,
      reference: `asia-docker.pkg.dev/gkeflow-test/repo/app@sha256:${'ab'.repeat(32)}`,
      bytesUploaded: 10,
      bytesSkipped: 0,
    },
    deleteImageTag: { deleted: true },
    // An existing repository: nothing for the cleanup to delete (tests that need one override this).
    ensureRepository: { repository: 'projects/gkeflow-test/locations/asia/repositories/repo', created: false },
    deleteRepository: { deleted: true },
    ensureCluster: { created: true, status: 'RUNNING', endpoint: '127.0.0.1', nodeCount: 2 },
    resizeNodePool: undefined,
    deleteCluster: { deleted: true },
    ensureNamespace: { created: true },
    deleteNamespace: { deleted: true, released: [] },
    setClusterLabels: undefined,
    checkHealth: {
      cluster: 'RUNNING',
      pools: [{ name: 'default-pool', nodeCount: 2, status: 'RUNNING' }],
      kubeUnchecked: 'stubbed',
    },
    sweepHealth: { reports: {}, clustersListed: 0 },
    applySecretEnv: { secret: 'web-gkeflow-env', keys: [] },
    applyDeployment: { readyReplicas: 2 },
    applyService: undefined,
    waitForExternalIp: { ip: '203.0.113.7' },
    scaleDeployment: { readyReplicas: 0 },
    deleteService: { deleted: true },
    deleteDeployment: { deleted: true },
    probeEndpoint: { ok: true, status: 200 },
    applyApp: { ip: '203.0.113.9', applied: [], pruned: [] },
    deleteApp: { deleted: true, members: [] },
    listClusters: [],
    listClusterTable: { keys: [], rows: [] },
    listNamespaces: [],
    listNamespacesBatch: { namespaces: [], failed: [] },
    knownProjects: [],
    openEnvironments: [],
    endEnvironment: { envId: '', reason: 'expired', cleaned: [], leftovers: [] },
    checkTeardown: undefined,
    environmentResources: {},
    listRepositories: [],
    environmentIdsByHash: {},
  };
  for (const name of Object.keys(results) as ActivityName[]) {
    (stub.activities as unknown as Record<string, (input: unknown) => Promise<unknown>>)[name] = async (
      input: unknown,
    ) => {
      stub.calls.push(name);
      (stub.inputs[name] ??= []).push(input);
      const attempt = (stub.attempts[name] = (stub.attempts[name] ?? 0) + 1);
      const fault = stub.faults[name];
      if (fault?.kind === 'permanent')
        throw ApplicationFailure.retryable(`${name} failed for good`, fault.type ?? 'QuotaExceededError');
      if (fault?.kind === 'transient' && attempt <= fault.times)
        throw ApplicationFailure.retryable(`${name} hiccup ${attempt}`, 'TransientCloudError');
      if (fault?.kind === 'create-then-fail') {
        if (attempt === 1) stub.succeeded.push(`created:${name}`);
        throw ApplicationFailure.retryable(`${name} timed out waiting for the operation`, 'OperationTimeoutError');
      }
      if (fault?.kind === 'stall-once' && attempt === 1) {
        await new Promise((r) => setTimeout(r, fault.ms));
        throw new Error('stalled attempt finished too late to matter');
      }
      if (fault?.kind === 'hang') {
        for (;;) {
          Context.current().heartbeat();
          await Context.current().sleep(100); // rejects with CancelledFailure once cancelled
        }
      }
      stub.succeeded.push(name);
      if (name === 'sweepHealth') return sweepVia(stub, input as SweepHealthInput);
      if (name === 'scaleDeployment') return { readyReplicas: (input as { replicas: number }).replicas };
      return results[name];
    };
  }
  return stub;
}

/**
 * The stubbed sweep: each watched environment's report is what the stub's checkHealth (scripted
 * by a test, or the default) answers now, so a test scripts one health source for both modes.
 */
async function sweepVia(stub: Stub, input: SweepHealthInput): Promise<SweepHealthResult> {
  const reports: SweepHealthResult['reports'] = {};
  for (const t of input.targets) reports[t.env.id] = await stub.activities.checkHealth(t);
  return { reports, clustersListed: input.targets.length };
}

/** Short timeouts so failure paths take milliseconds, not minutes. */
export const FAST: ProvisionTuning = {
  shortTimeout: '5s',
  longTimeout: '10s',
  heartbeatTimeout: '3s',
  retryInitialInterval: 20,
  maximumAttempts: 3,
  cleanupMaximumAttempts: 3,
};

let counter = 0;
/** A valid workflow input with a cluster name unique to this test (so the workflow id is too). */
export function testInput(
  overrides: (doc: Record<string, unknown>) => void = () => undefined,
  tuning: ProvisionTuning = FAST,
): ProvisionInput {
  const doc: Record<string, unknown> = {
    apiVersion: 'gkeflow/v1',
    kind: 'Environment',
    project: 'gkeflow-test',
    location: 'asia-east1-a',
    cluster: {
      name: `c${process.pid}-${Date.now().toString(36)}-${counter++}`,
      nodePools: [{ name: 'default-pool', machineType: 'e2-small', nodeCount: 2 }],
    },
    image: { source: 'builtin:demo', repository: 'asia-docker.pkg.dev/gkeflow-test/repo/app', tag: 'v1' },
    deployment: { name: 'rc-node', replicas: 2, containers: [{ name: 'notebook', image: '$image', ports: [8888] }] },
    service: { ports: [{ port: 8888 }] },
    steps: [{ scale: 3 }, { scale: 5 }, { resize: { pool: 'default-pool', nodeCount: 3 } }],
    ttl: '1h',
  };
  overrides(doc);
  const r = checkSpec(doc);
  if (!r.ok) throw new Error(`test spec invalid: ${JSON.stringify(r.issues)}`);
  return toProvisionInput(r.spec, tuning);
}

/** The digest reference of a (stubbed) app bundle. */
export const TEST_BUNDLE = `asia-docker.pkg.dev/gkeflow-test/repo/app-app@sha256:${'cd'.repeat(32)}`;

/** A valid input whose workload is an app (spec `app:`) instead of gkeflow's own Deployment and Service. */
export function testAppInput(
  overrides: (doc: Record<string, unknown>) => void = () => undefined,
  tuning: ProvisionTuning = FAST,
): ProvisionInput {
  return testInput((d) => {
    delete d.deployment;
    delete d.service;
    d.steps = [{ resize: { pool: 'default-pool', nodeCount: 3 } }];
    d.app = {
      manifests: '/srv/app/k8s',
      namespace: 'preview',
      endpoint: { service: 'web', port: 80 },
      bundle: TEST_BUNDLE,
    };
    overrides(d);
  }, tuning);
}

/**
 * Runs fn with a worker (stubbed activities, own task queue) and a client; shuts the worker down
 * after. `dataConverter` (dataConverterFor in src/temporal/connection.ts) encrypts payloads for both.
 */
export async function withWorker<T>(
  stub: Stub,
  fn: (h: { client: Client; taskQueue: string }) => Promise<T>,
  opts: { dataConverter?: DataConverter } = {},
): Promise<T> {
  const address = await testTemporalAddress();
  const taskQueue = uniqueTaskQueue('wf');
  const connection = await NativeConnection.connect({ address });
  const clientConnection = await Connection.connect({ address });
  try {
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: stub.activities,
      dataConverter: opts.dataConverter,
    });
    const client = new Client({ connection: clientConnection, dataConverter: opts.dataConverter });
    return await worker.runUntil(fn({ client, taskQueue }));
  } finally {
    await clientConnection.close();
    await connection.close();
  }
}

/** Waits until pred holds (polling), failing after timeoutMs. */
export async function eventually<T>(fn: () => Promise<T>, pred: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (pred(v)) return v;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs}ms; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts (or attaches to) the environment workflow of input, the way the CLI does. */
export async function startEnv(client: Client, taskQueue: string, input: ProvisionInput) {
  return client.workflow.start<typeof environmentWorkflow>('environmentWorkflow', {
    ...environmentStartOptions(input),
    taskQueue,
    args: [input],
  });
}

/** Waits until the environment's status satisfies pred (by default: phase running) and returns it. */
export function untilStatus(
  handle: WorkflowHandle,
  pred: (s: EnvironmentStatus) => boolean = (s) => s.phase === 'running',
): Promise<EnvironmentStatus> {
  return eventually(() => handle.query(statusQuery), pred);
}

/** A valid input with no post-provision steps: the environment is running as soon as it is provisioned. */
export const noStepsInput = (tuning: ProvisionTuning = FAST): ProvisionInput =>
  testInput((d) => (d.steps = []), tuning);

/** Starts the environment workflow of input (by default one with no steps) and waits until it is running. */
export async function startRunning(client: Client, taskQueue: string, input: ProvisionInput = noStepsInput()) {
  const handle = await startEnv(client, taskQueue, input);
  await untilStatus(handle);
  return handle;
}

/** A gate an activity waits on until the test opens it. */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What checkHealth reports for a test environment as it was provisioned (2 nodes, 2 replicas, its IP). */
export const healthyReport = (): HealthReport => ({
  cluster: 'RUNNING',
  pools: [{ name: 'default-pool', nodeCount: 2, status: 'RUNNING' }],
  kube: {
    nodesReady: 2,
    deployment: { replicas: 2, availableReplicas: 2 },
    serviceIp: '203.0.113.7',
    serviceExists: true,
  },
});

/** The same environment after its pool was resized to 4 nodes outside gkeflow (drift). */
export const resizedReport = (): HealthReport => ({
  ...healthyReport(),
  pools: [{ name: 'default-pool', nodeCount: 4, status: 'RUNNING' }],
});

/**
 * What listClusterTable answers for these clusters (a stub's listing since PATCHES.reaperOneList),
 * none with a control plane unless named in `withControlPlane`.
 */
export function clusterTable(clusters: ClusterSummary[], withControlPlane: readonly string[] = []): ClusterTable {
  const keys = [...new Set(clusters.flatMap((c) => Object.keys(c.labels)))].sort();
  return clusterTableOf(clusters, keys, (c) => withControlPlane.includes(c.name));
}
