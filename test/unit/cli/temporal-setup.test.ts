// `gkeflow temporal setup` on Temporal Cloud (issue 18, defect 1): AddSearchAttributes is not
// permitted there, so setup prints the exact tcld lines; the attribute list is SEARCH_ATTRIBUTES.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { searchAttributeFlags } from '../../../src/contract/labels';
import {
  addSearchAttributes,
  attributeNotInEffect,
  checkSearchAttributes,
  retryWhileAttributesSettle,
  SearchAttributesNotInEffectError,
  isTemporalCloud,
  tcldLines,
  wantedAttributes,
  type TemporalServices,
} from '../../../src/temporal/search-attributes';

const fake = (o: { custom?: Record<string, number>; add?: () => Promise<unknown>; ns?: boolean }) =>
  ({
    workflowService: {
      describeNamespace: async () => {
        if (o.ns === false) throw Object.assign(new Error('5 NOT_FOUND'), { code: status.NOT_FOUND });
        return {};
      },
    },
    operatorService: {
      listSearchAttributes: async () => ({ customAttributes: o.custom ?? {}, systemAttributes: { WorkflowId: 2 } }),
      addSearchAttributes: o.add ?? (async () => ({})),
    },
  }) as unknown as TemporalServices;

void test('the attributes setup wants are the ones the dev server registers by flags', () => {
  assert.deepEqual(
    wantedAttributes().map((a) => `${a.name}=${a.type === 'KEYWORD' ? 'Keyword' : 'Datetime'}`),
    searchAttributeFlags(),
  );
});

void test('Temporal Cloud: the tcld lines for each missing attribute; a denied add is reported, not thrown', async () => {
  assert.ok(isTemporalCloud('my-ns.a1b2c.tmprl.cloud:7233'));
  assert.ok(isTemporalCloud('us-east-1.aws.api.temporal.io:7233'));
  assert.ok(!isTemporalCloud('127.0.0.1:7233'));
  const check = await checkSearchAttributes(fake({ custom: { GkeflowProject: 2 } }), 'my-ns.a1b2c');
  assert.deepEqual(
    check.missing.map((a) => a.name),
    ['GkeflowLocation', 'GkeflowCluster', 'GkeflowPhase', 'GkeflowExpiresAt'],
  );
  assert.deepEqual(tcldLines('my-ns.a1b2c', check.missing).slice(-1), [
    'tcld namespace search-attributes add --namespace my-ns.a1b2c --search-attribute "GkeflowExpiresAt=Datetime"',
  ]);
  const denied = fake({
    add: async () =>
      Promise.reject(Object.assign(new Error('7 PERMISSION_DENIED'), { code: status.PERMISSION_DENIED })),
  });
  assert.ok('denied' in (await addSearchAttributes(denied, 'ns', check.missing)));
});

void test('a wrong type is reported, a missing namespace is exit 2 naming it', async () => {
  const check = await checkSearchAttributes(fake({ custom: { GkeflowExpiresAt: 2 } }), 'ns');
  assert.deepEqual(
    check.wrongType.map((a) => a.name),
    ['GkeflowExpiresAt'],
  );
  await assert.rejects(
    checkSearchAttributes(fake({ ns: false }), 'nope'),
    (e: Error & { exitCode?: number }) => e.exitCode === 2 && /namespace 'nope' does not exist/.test(e.message),
  );
});

// The messages temporal-server 1.29.1 gives in the seconds after AddSearchAttributes (seen on the
// self-hosted tier: a start, and a visibility query), and one it gives for anything else.
const lag = (msg: string) => Object.assign(new Error(`3 INVALID_ARGUMENT: ${msg}`), { code: status.INVALID_ARGUMENT });
const START_LAG = lag('Namespace default has no mapping defined for search attribute GkeflowProject');
const QUERY_LAG = lag(
  "invalid query: invalid expression: column name 'GkeflowProject' is not a valid search attribute",
);

void test('a start refused while just-added attributes settle is retried until it works; other errors are not', async () => {
  assert.ok(attributeNotInEffect(START_LAG));
  assert.ok(attributeNotInEffect(QUERY_LAG));
  assert.ok(attributeNotInEffect(Object.assign(new Error('Failed to start Workflow'), { cause: START_LAG })));
  assert.ok(!attributeNotInEffect(lag('WorkflowId is not set')));
  assert.ok(!attributeNotInEffect(Object.assign(new Error('no mapping defined for search attribute'), { code: 14 })));
  let calls = 0;
  const slept: number[] = [];
  const sleep = async (ms: number) => void slept.push(ms);
  const ok = await retryWhileAttributesSettle(
    'ns',
    async () => (++calls < 3 ? Promise.reject(START_LAG) : 'started'),
    30_000,
    sleep,
  );
  assert.equal(ok, 'started');
  assert.equal(calls, 3);
  assert.deepEqual(slept, [500, 500]);
  calls = 0;
  const other = lag('WorkflowId is not set');
  await assert.rejects(
    retryWhileAttributesSettle('ns', async () => (calls++, Promise.reject(other)), 30_000, sleep),
    other,
  );
  assert.equal(calls, 1, 'any other error is thrown at once');
  await assert.rejects(
    retryWhileAttributesSettle('ns', async () => Promise.reject(QUERY_LAG), 0, sleep),
    (e: unknown) =>
      e instanceof SearchAttributesNotInEffectError &&
      e.exitCode === 2 &&
      e.code === 'GKF-TEMPORAL-SETUP' &&
      /namespace 'ns'.*nothing was started/.test(e.message),
  );
});
