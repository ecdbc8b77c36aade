import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { statusQuery, teardownUpdate, type FailureDetails } from '../../../src/workflows';
import {
  eventually,
  FAST,
  startEnv,
  stubActivities,
  testInput,
  withWorker,
  type ActivityName,
  type Fault,
  type Stub,
} from '../../helpers/workflows';

const CLEANUP = ['deleteService', 'deleteDeployment', 'deleteCluster', 'deleteImageTag'];

/** Runs an environment with faults; returns the workflow's failure and the stub. */
async function failingRun(
  faults: Partial<Record<ActivityName, Fault>>,
  tuning = FAST,
): Promise<{ err: WorkflowFailedError; stub: Stub }> {
  const stub = stubActivities(faults);
  const err = await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startEnv(client, taskQueue, testInput(undefined, tuning));
    return handle.result().then(
      () => assert.fail('expected the workflow to fail'),
      (e: unknown) => e,
    );
  });
  assert.ok(err instanceof WorkflowFailedError, `expected WorkflowFailedError, got ${String(err)}`);
  return { err, stub };
}

/** Asserts WorkflowFailedError → ApplicationFailure(type) → ActivityFailure(activity) → ApplicationFailure(causeType); returns the details. */
function assertChain(err: WorkflowFailedError, type: string, activity: string, causeType: string): FailureDetails {
  const top = err.cause;
  assert.ok(top instanceof ApplicationFailure, `top cause ${String(top)}`);
  assert.equal(top.type, type);
  const act = top.cause;
  assert.ok(act instanceof ActivityFailure, `expected ActivityFailure, got ${String(act)}`);
  assert.equal(act.activityType, activity);
  assert.ok(act.cause instanceof ApplicationFailure);
  assert.equal(act.cause.type, causeType);
  return top.details?.[0] as FailureDetails;
}

const cases: Array<{ step: ActivityName; compensations: string[] }> = [
  { step: 'pushImage', compensations: [] },
  { step: 'ensureCluster', compensations: ['deleteCluster'] },
  { step: 'applyDeployment', compensations: ['deleteDeployment', 'deleteCluster'] },
  { step: 'applyService', compensations: ['deleteService', 'deleteDeployment', 'deleteCluster'] },
  { step: 'waitForExternalIp', compensations: ['deleteService', 'deleteDeployment', 'deleteCluster'] },
  { step: 'probeEndpoint', compensations: ['deleteService', 'deleteDeployment', 'deleteCluster'] },
  { step: 'scaleDeployment', compensations: ['deleteService', 'deleteDeployment', 'deleteCluster'] },
  { step: 'resizeNodePool', compensations: ['deleteService', 'deleteDeployment', 'deleteCluster'] },
];

for (const c of cases) {
  void test(`a permanent failure in ${c.step} runs exactly the compensations of what existed, in reverse, without retrying`, async () => {
    const { err, stub } = await failingRun({ [c.step]: { kind: 'permanent' } });
    assert.equal(stub.attempts[c.step], 1, 'permanent errors are not retried');
    assert.deepEqual(
      stub.calls.filter((n) => CLEANUP.includes(n)),
      c.compensations,
    );
    const details = assertChain(err, 'ProvisionFailedError', c.step, 'QuotaExceededError');
    assert.deepEqual(details.leftovers, []);
    assert.equal(details.cleaned.length, c.compensations.length);
  });
}

void test('deletes the pushed tag last when asked to', async () => {
  const { stub } = await failingRun(
    { applyDeployment: { kind: 'permanent', type: 'PermissionDeniedError' } },
    { ...FAST, deleteImageOnTeardown: true },
  );
  assert.deepEqual(
    stub.calls.filter((n) => CLEANUP.includes(n)),
    ['deleteDeployment', 'deleteCluster', 'deleteImageTag'],
  );
});

void test('retries transient errors with backoff, then succeeds', async () => {
  const stub = stubActivities({
    ensureCluster: { kind: 'transient', times: 2 },
    applyService: { kind: 'transient', times: 1 },
  });
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startEnv(
      client,
      taskQueue,
      testInput((d) => (d.steps = [])),
    );
    await eventually(
      () => handle.query(statusQuery),
      (st) => st.phase === 'running',
    );
    await handle.executeUpdate(teardownUpdate, { args: [{}] });
    await handle.result();
  });
  assert.equal(stub.attempts.ensureCluster, 3, JSON.stringify(stub.calls));
  assert.equal(stub.attempts.applyService, 2);
  assert.deepEqual(stub.succeeded.slice(0, 6), [
    'ensureRepository',
    'pushImage',
    'ensureCluster',
    'applyDeployment',
    'applyService',
    'waitForExternalIp',
  ]);
});

void test('a long activity that stops heartbeating is retried after its heartbeat timeout', async () => {
  const stub = stubActivities({ ensureCluster: { kind: 'stall-once', ms: 2500 } });
  await withWorker(stub, async ({ client, taskQueue }) => {
    const handle = await startEnv(
      client,
      taskQueue,
      testInput((d) => (d.steps = []), { ...FAST, heartbeatTimeout: '1s' }),
    );
    await eventually(
      () => handle.query(statusQuery),
      (st) => st.phase === 'running',
    );
    assert.equal(stub.attempts.ensureCluster, 2);
    await handle.executeUpdate(teardownUpdate, { args: [{}] });
  });
});

void test('a create that happened but then timed out is still cleaned up', async () => {
  const { err, stub } = await failingRun({ ensureCluster: { kind: 'create-then-fail' } });
  assert.equal(stub.attempts.ensureCluster, FAST.maximumAttempts);
  assert.ok(stub.succeeded.includes('created:ensureCluster'));
  assert.deepEqual(
    stub.calls.filter((n) => CLEANUP.includes(n)),
    ['deleteCluster'],
  );
  assertChain(err, 'ProvisionFailedError', 'ensureCluster', 'OperationTimeoutError');
});

void test('lists what could not be cleaned, and keeps the cluster when its Service is stuck', async () => {
  const { err, stub } = await failingRun({
    waitForExternalIp: { kind: 'permanent' },
    deleteService: { kind: 'transient', times: 99 },
  });
  assert.equal(stub.attempts.deleteService, FAST.cleanupMaximumAttempts, 'cleanup retries');
  assert.deepEqual(
    stub.calls.filter((n) => CLEANUP.includes(n)),
    ['deleteService', 'deleteService', 'deleteService', 'deleteDeployment'],
  );
  const details = assertChain(err, 'CleanupIncompleteError', 'waitForExternalIp', 'QuotaExceededError');
  assert.deepEqual(details.cleaned, ['deployment']);
  assert.deepEqual(
    details.leftovers.map((l) => l.kind),
    ['service', 'cluster'],
  );
  assert.match(details.leftovers[1]?.error ?? '', /leak the load balancer/);
  assert.match(err.cause?.message ?? '', /left for the reaper/);
});

void test('rejects an invalid spec before touching anything', async () => {
  const stub = stubActivities();
  const input = testInput();
  (input.spec.deployment as { replicas: number }).replicas = -1;
  const err = await withWorker(stub, async ({ client, taskQueue }) =>
    (await startEnv(client, taskQueue, input)).result().catch((e: unknown) => e),
  );
  assert.ok(err instanceof WorkflowFailedError && err.cause instanceof ApplicationFailure);
  assert.equal(err.cause.type, 'InvalidSpecError');
  assert.match(err.cause.message, /deployment\.replicas/);
  assert.deepEqual(stub.calls, []);
});
