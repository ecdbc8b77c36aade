// The step order is one fact: the step table (src/contract/steps.ts). The chaos cases count
// their steps from it; these checks pin the cases they enumerate without starting a stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROVISIONING_STEPS, STEPS as STEP_TABLE } from '../../../src/contract/steps';
import { LONG_STEPS, STEPS } from '../../chaos/scenario';

void test('the provisioning steps are the step table in its order, up to the plan steps', () => {
  const names = Object.keys(STEP_TABLE);
  assert.deepEqual(PROVISIONING_STEPS, names.slice(0, PROVISIONING_STEPS.length));
  assert.equal(names[PROVISIONING_STEPS.length], 'scaleDeployment');
  assert.deepEqual(PROVISIONING_STEPS, [
    'ensureRepository',
    'pushImage',
    'ensureCluster',
    'ensureNamespace',
    'applySecretEnv',
    'applyDeployment',
    'applyService',
    'waitForExternalIp',
    'probeEndpoint',
  ]);
});

void test('the chaos cases stop at the 9 steps docs/reliability.md lists, in the step table order', () => {
  assert.deepEqual(STEPS, [
    'pushImage',
    'ensureCluster',
    'applyDeployment',
    'applyService',
    'waitForExternalIp',
    'probeEndpoint',
    'scaleDeployment',
    'scaleDeployment',
    'resizeNodePool',
  ]);
  // In table order: each provisioning step after the one before it, the plan after them all.
  const at = (s: string) => PROVISIONING_STEPS.indexOf(s as never);
  const provisioning = STEPS.filter((s) => at(s) >= 0);
  assert.deepEqual(
    provisioning,
    [...provisioning].sort((a, b) => at(a) - at(b)),
  );
  assert.deepEqual(LONG_STEPS, [
    'pushImage',
    'ensureCluster',
    'applyDeployment',
    'waitForExternalIp',
    'scaleDeployment',
    'resizeNodePool',
  ]);
});
