// Spot preemption (issue 22): the walkthrough on a Spot pool; Compute Engine takes one Spot VM back
// (the emulator's POST /preempt: the node and its pods go, the node comes back after a while).
// The environment's drift check shows it degraded ("nodes are Ready") and then running again —
// never lost — with the Deployment's pods rescheduled; teardown then leaves nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { ChaosStack, waitFor } from '../helpers/chaos-stack';
import { statusQuery } from '../../src/contract/messages';
import type { EnvironmentStatus } from '../../src/contract/workflow-input';
import { startEnvironment } from '../../src/temporal/environments';
import {
  chaosCase,
  chaosSpec,
  describeInventory,
  EMULATOR_ENV,
  expectedRunning,
  inventory,
  knownFailing,
  LOCATION,
  PROJECT,
  teardownAndCheck,
  TUNING,
  waitProvisioned,
} from './scenario';

let stack: ChaosStack;
before(async () => {
  stack = await ChaosStack.start({ emulatorEnv: EMULATOR_ENV });
  await stack.startWorker();
});
after(async () => {
  await stack?.stop();
});

const status = (h: WorkflowHandle) => h.query(statusQuery) as Promise<EnvironmentStatus>;

void test(
  'a Spot node is preempted: the environment goes degraded and back to running, never lost',
  // Not yet seen passing: its one run (issue 22's branch) timed out before the first step, while
  // the toolchain was still being built on the machine; to be confirmed, then this mark removed.
  knownFailing('not yet seen passing: its first run timed out before provisioning began'),
  async () => {
    const cluster = 'spot-preempt';
    await chaosCase(stack, 'spot-preemption', 'Spot node preempted and recreated', async () => {
      const base = chaosSpec(cluster);
      const spec = {
        ...base,
        cluster: { ...base.cluster, nodePools: base.cluster.nodePools.map((p) => ({ ...p, spot: true })) },
        healthCheck: { enabled: true, interval: '1s' },
      };
      const s = await startEnvironment(stack.client, stack.temporalConfig, spec, TUNING);
      const handle = stack.client.workflow.getHandle(s.envId);
      await waitProvisioned(handle);
      await waitFor('running', async () => (await status(handle)).phase === 'running', 120_000);
      const inv = await inventory(stack);
      assert.deepEqual(inv, expectedRunning(cluster));

      const phases = new Set<string>();
      const preempted = await stack.admin<{ node: string }>('/preempt', 'POST', {
        cluster: `projects/${PROJECT}/locations/${LOCATION}/clusters/${cluster}`,
        downMs: 20_000,
      });
      assert.match(preempted.node, /^gke-spot-preempt-default-pool-/);
      let drift = '';
      await waitFor(
        'degraded',
        async () => {
          const st = await status(handle);
          phases.add(st.phase);
          drift = st.drift ?? drift;
          return st.phase === 'degraded';
        },
        60_000,
      );
      assert.match(drift, /nodes are Ready/);
      await waitFor(
        'running again',
        async () => {
          const st = await status(handle);
          phases.add(st.phase);
          return st.phase === 'running';
        },
        120_000,
      );
      assert.ok(!phases.has('lost'), [...phases].join());
      assert.equal((await handle.describe()).status.name, 'RUNNING');
      // The pods rescheduled: the Deployment is whole again and the cloud holds what it held.
      assert.deepEqual(await inventory(stack), expectedRunning(cluster));
      await teardownAndCheck(stack, handle);
      return `${describeInventory(inv)}; ${preempted.node} preempted → ${[...phases].join(' → ')} → torn down: nothing`;
    });
  },
);
