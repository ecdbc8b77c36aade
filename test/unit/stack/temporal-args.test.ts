import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EAGER_ACTIVITIES, temporalArgs } from '../../../src/stack/temporal-server';

const base = { binary: 'temporal', port: 7233, uiPort: 8233, logFile: '/tmp/t.log', detached: false };
const dynamic = (args: string[]) => args.flatMap((a, i) => (args[i - 1] === '--dynamic-config-value' ? [a] : []));

void test('the local Temporal dispatches activities eagerly, as Temporal Cloud does, unless the caller says otherwise', () => {
  assert.deepEqual(dynamic(temporalArgs(base)), [`${EAGER_ACTIVITIES}=true`]);
  const own = [`${EAGER_ACTIVITIES}=false`, 'frontend.enableUpdateWorkflowExecution=false'];
  assert.deepEqual(dynamic(temporalArgs({ ...base, dynamicConfig: own })), own);
  assert.equal(own.length, 2, "the caller's list is not changed");
  assert.deepEqual(dynamic(temporalArgs({ ...base, dynamicConfig: ['a.b=1'] })), ['a.b=1', `${EAGER_ACTIVITIES}=true`]);
});
