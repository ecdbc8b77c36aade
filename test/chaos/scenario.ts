/**
 * What every chaos case shares: the walkthrough spec (one cluster, one Deployment, one
 * LoadBalancer Service, one pushed tag, then scale 3 → 5 and resize to 3 nodes), short timeouts,
 * reading a run's progress from the server (history and pending activities, which need no
 * worker), the inventory each case must end with, and the record of outcomes that
 * docs/reliability.md is filled from.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import YAML from 'yaml';
import { PROVISIONING_STEPS, STEPS as STEP_TABLE, type StepName } from '../../src/contract/steps';
import { causeMessages } from '../../src/config/errors';
import { validateSpec, type EnvironmentSpec } from '../../src/envspec';
import { repoRoot } from '../../src/paths';
import { startEnvironment } from '../../src/temporal/environments';
import type { ProvisionTuning } from '../../src/contract/workflow-input';
import { teardownUpdate } from '../../src/contract/messages';
import { StopWaiting, waitFor, type ChaosStack } from '../helpers/chaos-stack';
import {
  deleteClusterNow,
  deleteRepositoryNow,
  deleteTagNow,
  takeInventory,
  type Inventory,
} from '../helpers/inventory';

/** The quick set (CI) runs when `npm run test:chaos -- --quick` or GKEFLOW_CHAOS_QUICK=1. */
export const QUICK = process.env.GKEFLOW_CHAOS_QUICK === '1';
/** Test options: a case of the full set only (the quick set covers it in a combined case). */
export const FULL_ONLY = { skip: QUICK && 'full set only' };
/**
 * Test options: a known-failing case (docs/reliability.md says why). It runs in the full set as a
 * `todo` (reported, not failing the run) and is left out of the quick set.
 */
export const knownFailing = (why: string) =>
  QUICK ? { skip: `full set only (known failing: ${why})` } : { todo: `known failing: ${why}` };
/** Test options: a combined case of the quick set (the full set runs its parts on their own). */
export const QUICK_ONLY = { skip: !QUICK && 'quick set only: the full set runs each part as its own case' };

export const PROJECT = 'gkeflow-demo';
export const LOCATION = 'asia-east1-a';
export const REPOSITORY = 'gkeflow-demo/notebooks/tensorflow';
/** The Artifact Registry repository the spec's image goes to (`project/location/repository`), which gkeflow creates. */
export const AR_REPOSITORY = 'gkeflow-demo/asia/notebooks';
/** An env value the spec carries; the secret scan looks for it in every history and log. */
export const SECRET_ENV_VALUE = 'chaos-secret-5b1f0c3e-value';

/**
 * The steps a case counts, in order: the step table's provisioning steps the walkthrough runs,
 * then its plan (scale 3, scale 5, resize to 3 nodes). Not counted: ensureRepository, the check
 * before the push (a case's step 1 is the push, after which the repository and its tag exist;
 * docs/reliability.md), and applySecretEnv, which runs only for `secretFrom` env values (the
 * chaos spec's value is a plain one, which the secret scan looks for).
 */
export const STEPS: readonly StepName[] = [
  // The chaos spec is a cluster environment: its run takes neither the Secret nor the namespace step.
  ...PROVISIONING_STEPS.filter((s) => s !== 'ensureRepository' && s !== 'applySecretEnv' && s !== 'ensureNamespace'),
  ...chaosSpec('chaos-steps').steps.map((p): StepName => (p.resize ? 'resizeNodePool' : 'scaleDeployment')),
];
const STEP_NAMES: ReadonlySet<string> = new Set(STEPS);
/** The steps that wait on something (heartbeating activities: the table's `long` ones), where a kill lands mid-step. */
export const LONG_STEPS: readonly StepName[] = [...new Set(STEPS)].filter((s) => STEP_TABLE[s].timeout === 'long');

/** Short timeouts: a killed worker's activity is retried after the heartbeat timeout. */
export const TUNING: ProvisionTuning = {
  retryInitialInterval: '200ms',
  maximumAttempts: 10,
  cleanupMaximumAttempts: 12,
  heartbeatTimeout: '6s',
  shortTimeout: '15s',
  longTimeout: '3m',
  deleteImageOnTeardown: true,
};

/** Emulator delays long enough for a kill to land inside an operation, short enough for CI. */
export const EMULATOR_ENV: NodeJS.ProcessEnv = {
  GKEFLOW_EMULATOR_SPEED: '1',
  GKEFLOW_EMULATOR_DELAYS: JSON.stringify({
    operationPending: 100,
    createCluster: 3000,
    deleteCluster: 1000,
    updateCluster: 500,
    setNodePoolSize: 2500,
    setLabels: 100,
    lbProvision: 2500,
    lbRelease: 500,
  }),
};

/** The walkthrough spec for one case, with its own cluster name and image tag. */
export function chaosSpec(cluster: string): EnvironmentSpec {
  const doc = YAML.parse(fs.readFileSync(path.join(repoRoot, 'examples/tensorflow-notebook.yaml'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  doc.cluster!.name = cluster;
  (doc.image as Record<string, unknown>).tag = cluster;
  const containers = (doc.deployment as { containers: Array<Record<string, unknown>> }).containers;
  containers[0]!.env = { CHAOS_TOKEN: SECRET_ENV_VALUE };
  doc.ttl = '1h' as never;
  return validateSpec(doc, cluster);
}

export const fullName = (cluster: string) => `${PROJECT}/${LOCATION}/${cluster}`;

/**
 * The inventory of a completed run: one of each resource, at the spec's final sizes, and the
 * repository gkeflow created for the image (its teardown deletes the tag, TUNING's
 * deleteImageOnTeardown, and then the repository, empty).
 */
export function expectedRunning(cluster: string): Inventory {
  return {
    clusters: [{ name: fullName(cluster), status: 'RUNNING', pools: { 'default-pool': 3 } }],
    kube: {
      [fullName(cluster)]: { deployments: { 'rc-node': 5 }, services: { 'rc-node': 'LoadBalancer' }, secrets: [] },
    },
    repositories: [AR_REPOSITORY],
    tags: [`${REPOSITORY}:${cluster}`],
    leaks: [],
  };
}

export const EMPTY: Inventory = { clusters: [], kube: {}, repositories: [], tags: [], leaks: [] };

export function inventory(stack: ChaosStack): Promise<Inventory> {
  return takeInventory({
    emulatorAddress: stack.emulatorAddress,
    adminUrl: stack.adminUrl,
    registryAddress: stack.registryAddress,
    projects: [PROJECT],
  });
}

/** Starts the case's run from the test (a client of the stack's Temporal). */
export async function startRun(stack: ChaosStack, cluster: string): Promise<WorkflowHandle> {
  const s = await startEnvironment(stack.client, stack.temporalConfig, chaosSpec(cluster), TUNING);
  return stack.client.workflow.getHandle(s.envId);
}

const { EventType, PendingActivityState } = temporal.api.enums.v1;

/** Throws with the run's failure when it closed (so a wait fails at once, naming why). */
async function assertOpen(handle: WorkflowHandle): Promise<void> {
  const d = await handle.describe();
  if (d.status.name === 'RUNNING') return;
  const why = await handle.result().then(
    () => 'completed',
    (e: unknown) => causeMessages(e).join(' <- '),
  );
  throw new StopWaiting(`${handle.workflowId} closed (${d.status.name}): ${why}`);
}

/** Names of the provisioning steps the run completed, in order (read from history: no worker needed). */
export async function completedSteps(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  const scheduled = new Map<string, string>();
  const done: string[] = [];
  for (const e of history.events ?? []) {
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
      scheduled.set(String(e.eventId), e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?');
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
      done.push(scheduled.get(String(e.activityTaskCompletedEventAttributes?.scheduledEventId)) ?? '?');
  }
  // Other activities (a drift check on a timer, deletes) are not steps of the walkthrough.
  return done.filter((name) => STEP_NAMES.has(name));
}

/** Waits until the run has completed `n` activities. */
export async function waitForSteps(handle: WorkflowHandle, n: number, timeoutMs = 180_000): Promise<string[]> {
  let done: string[] = [];
  await waitFor(
    `${handle.workflowId} completes ${n} steps (done: ${done.join(', ')})`,
    async () => {
      done = await completedSteps(handle);
      if (done.length < n) await assertOpen(handle);
      return done.length >= n;
    },
    timeoutMs,
    100,
  );
  return done;
}

/**
 * Waits until an activity of this type is running on a worker; returns that worker's identity.
 * With `unlessDone`, returns '' instead once the step has completed more than that many times (it
 * was too quick to be caught running).
 */
export async function waitForRunning(
  handle: WorkflowHandle,
  activity: string,
  timeoutMs = 180_000,
  unlessDone?: number,
): Promise<string> {
  let identity = '';
  let missed = false;
  await waitFor(
    `${activity} running in ${handle.workflowId}`,
    async () => {
      const d = await handle.describe();
      const p = (d.raw.pendingActivities ?? []).find(
        (a) => a.activityType?.name === activity && a.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
      );
      identity = p?.lastWorkerIdentity ?? '';
      if (!p && d.status.name !== 'RUNNING') await assertOpen(handle);
      if (!p && unlessDone !== undefined)
        missed = (await completedSteps(handle)).filter((s) => s === activity).length > unlessDone;
      return Boolean(p) || missed;
    },
    timeoutMs,
    100,
  );
  return missed ? '' : identity;
}

/** Waits until every provisioning step is done (the run is `running`, nothing pending). */
export async function waitProvisioned(handle: WorkflowHandle, timeoutMs = 240_000): Promise<void> {
  await waitForSteps(handle, STEPS.length, timeoutMs);
}

/** Tears the run down through its update and checks nothing is left. */
export async function teardownAndCheck(stack: ChaosStack, handle: WorkflowHandle): Promise<void> {
  const res = await handle.executeUpdate(teardownUpdate, { args: [{ reason: 'chaos case done' }] });
  assert.deepEqual(res.leftovers, []);
  await handle.result();
  assert.deepEqual(await inventory(stack), EMPTY);
}

/** Removes what a case left on purpose (a terminated run), so the next case starts empty. */
export async function sweep(stack: ChaosStack): Promise<void> {
  const inv = await inventory(stack);
  for (const c of inv.clusters) await deleteClusterNow(stack.emulatorAddress, c.name);
  for (const t of inv.tags) await deleteTagNow(stack.registryAddress, t);
  for (const r of inv.repositories) await deleteRepositoryNow(stack.emulatorAddress, r);
  if (inv.leaks.length) await stack.admin('/leaks', 'DELETE');
}

/**
 * Runs one case: it must start from an empty cloud; `body` returns the inventory text for the
 * report (it asserts the inventory itself). The outcome is recorded either way.
 */
export async function chaosCase(stack: ChaosStack, file: string, name: string, body: () => Promise<string>) {
  const t0 = Date.now();
  let outcome = 'failed';
  let inv = '?';
  try {
    assert.deepEqual(await inventory(stack), EMPTY, 'the case starts from an empty cloud');
    inv = await body();
    outcome = 'completed';
  } finally {
    record({ file, name, outcome, inventory: inv, seconds: Math.round((Date.now() - t0) / 1000) });
  }
}

/** Completes the run's provisioning, checks the inventory, tears down, checks nothing is left. */
export async function finishAndCheck(stack: ChaosStack, handle: WorkflowHandle, cluster: string): Promise<string> {
  await waitProvisioned(handle);
  const inv = await inventory(stack);
  assert.deepEqual(inv, expectedRunning(cluster));
  await teardownAndCheck(stack, handle);
  return `${describeInventory(inv)} → torn down: nothing`;
}

/** One row of docs/reliability.md's table. */
export interface CaseRecord {
  file: string;
  name: string;
  outcome: string;
  inventory: string;
  seconds: number;
}

/** Appends a case's outcome to the report file named by GKEFLOW_CHAOS_REPORT (JSON lines), when set. */
export function record(row: CaseRecord): void {
  const file = process.env.GKEFLOW_CHAOS_REPORT;
  if (file) fs.appendFileSync(file, `${JSON.stringify(row)}\n`);
}

/** Short text of an inventory for the report. */
export function describeInventory(inv: Inventory): string {
  if (!inv.clusters.length && !inv.repositories.length && !inv.tags.length && !inv.leaks.length) return 'nothing';
  const parts = inv.clusters.map((c) => {
    const k = inv.kube[c.name];
    const pools = Object.entries(c.pools).map(([p, n]) => `${p}=${n}`);
    const objs = k
      ? [
          ...Object.entries(k.deployments).map(([d, r]) => `deploy/${d}×${r}`),
          ...Object.keys(k.services).map((s) => `svc/${s}`),
        ]
      : [];
    return `cluster ${c.name.split('/')[2]} ${c.status} (${pools.join(', ')}) ${objs.join(' ')}`.trim();
  });
  parts.push(
    ...inv.repositories.map((r) => `repo ${r.split('/').slice(1).join('/')}`),
    ...inv.tags.map((t) => `tag ${t.split(':')[1]}`),
    ...inv.leaks.map((l) => `leak ${l}`),
  );
  return parts.join('; ');
}
