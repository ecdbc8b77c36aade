import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { checkSpec } from '../../../src/envspec';
import { extendUpdate } from '../../../src/contract/messages';
import { environmentStartOptions, teardownUpdate, type ProvisionInput } from '../../../src/workflows';
import type { environmentWorkflow } from '../../../src/workflows/environment';
import { initialState } from '../../../src/workflows/state';
import { FAST, noStepsInput, startEnv, stubActivities, untilStatus, withWorker } from '../../helpers/workflows';

void test('a continued run whose carried spec no longer validates cleans up instead of failing before finish', async () => {
  const stub = stubActivities();
  await withWorker(stub, async ({ client, taskQueue }) => {
    const input = noStepsInput();
    // What an older worker validated and carried, but this one refuses (say, a longer TTL it allowed).
    const stale = JSON.parse(JSON.stringify(input.spec)) as Record<string, unknown> & {
      cluster: { nodePools: Array<{ machineType: string }> };
    };
    stale.ttl = '99d';
    assert.equal(checkSpec(stale).ok, false);
    const carried: ProvisionInput = {
      spec: stale as unknown as ProvisionInput['spec'],
      tuning: FAST,
      carried: {
        ...initialState(input.spec, Date.now() + 3_600_000),
        phase: 'running',
        resources: { image: 'ready', cluster: 'ready', deployment: 'ready', service: 'ready' },
        endpoint: 'http://203.0.113.7:8888',
      },
    };
    const h = await client.workflow.start<typeof environmentWorkflow>('environmentWorkflow', {
      ...environmentStartOptions(input),
      taskQueue,
      args: [carried],
    });
    const err = await h.result().then(
      () => assert.fail('the run fails, after cleaning up'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError);
    assert.ok(err.cause instanceof ApplicationFailure);
    assert.equal(err.cause.type, 'ProvisionFailedError');
    assert.match(err.cause.message, /no longer validates/);
    assert.deepEqual(stub.succeeded, ['deleteService', 'deleteDeployment', 'deleteCluster']);
  });
});

void test('continue-as-new carries the normalised spec, not the input it was started with', async () => {
  const stub = stubActivities();
  await withWorker(stub, async ({ client, taskQueue }) => {
    const input = noStepsInput({ ...FAST, historyEventLimit: 30 });
    // A client that sends the spec without the defaults it could have filled in.
    const raw = JSON.parse(JSON.stringify(input.spec)) as Record<string, unknown> & {
      service: Record<string, unknown>;
    };
    delete raw.service.name;
    delete raw.healthCheck;
    const h = await client.workflow.start<typeof environmentWorkflow>('environmentWorkflow', {
      ...environmentStartOptions(input),
      taskQueue,
      args: [{ ...input, spec: raw as unknown as ProvisionInput['spec'] }],
    });
    await untilStatus(h);
    for (let i = 0; i < 4; i++) await h.executeUpdate(extendUpdate, { args: [{ ttl: '1h' }] });
    await untilStatus(h, (s) => s.generation >= 1);
    const latest = client.workflow.getHandle(h.workflowId);
    const history = await latest.fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const carried = defaultPayloadConverter.fromPayload<ProvisionInput>(started!.input!.payloads![0]!);
    assert.equal(carried.spec.service!.name, input.spec.service!.name);
    assert.deepEqual(carried.spec.healthCheck, { enabled: true, interval: '5m' });
    await latest.executeUpdate(teardownUpdate, { args: [{}] });
  });
});

void test('a run started without carried state still rejects an invalid spec before touching anything', async () => {
  const stub = stubActivities();
  await withWorker(stub, async ({ client, taskQueue }) => {
    const input = noStepsInput();
    const bad = JSON.parse(JSON.stringify(input.spec)) as { ttl: string };
    bad.ttl = '99d';
    const h = await startEnv(client, taskQueue, { ...input, spec: bad as unknown as ProvisionInput['spec'] });
    await assert.rejects(
      h.result(),
      (e: unknown) =>
        e instanceof WorkflowFailedError &&
        e.cause instanceof ApplicationFailure &&
        e.cause.type === 'InvalidSpecError',
    );
    assert.deepEqual(stub.calls, []);
  });
});
