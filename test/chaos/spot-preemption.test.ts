// Spot preemption (issue 22): the walkthrough on a Spot pool; Compute Engine takes one Spot VM back
// (the emulator's POST /preempt: the node and its pods go, the node comes back after a while).
// The environment's drift check shows it degraded ("only 2 of 3 nodes are Ready") and then running
// again — never lost — with the Deployment's pods rescheduled; teardown then leaves nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
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
const clusterPath = (cluster: string) => `projects/${PROJECT}/locations/${LOCATION}/clusters/${cluster}`;

/** The Kubernetes API of a local cluster (its kubeconfig from the emulator's admin endpoint). */
async function kubeOf(cluster: string): Promise<CoreV1Api> {
  const res = await fetch(`${stack.adminUrl}/kubeconfig?cluster=${encodeURIComponent(clusterPath(cluster))}`);
  assert.ok(res.ok, `kubeconfig of ${cluster}: ${res.status}`);
  const kc = new KubeConfig();
  kc.loadFromString(await res.text());
  return kc.makeApiClient(CoreV1Api);
}
const ready = (n: V1Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
/** The Deployment's pods (name → node), but those on their way out. */
async function podsOf(core: CoreV1Api): Promise<Map<string, string>> {
  const pods = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=rc-node' })).items;
  return new Map(
    pods
      .filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running')
      .map((p) => [p.metadata?.name ?? '', p.spec?.nodeName ?? '']),
  );
}

void test('a Spot node is preempted: the environment goes degraded and back to running, never lost', async () => {
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
    // A Spot pool: every node carries GKE's Spot label.
    const core = await kubeOf(cluster);
    const nodesBefore = (await core.listNode()).items;
    assert.equal(nodesBefore.length, 3);
    for (const n of nodesBefore)
      assert.equal(n.metadata?.labels?.['cloud.google.com/gke-spot'], 'true', n.metadata?.name);
    const podsBefore = await podsOf(core);
    assert.equal(podsBefore.size, 5);

    // The phases the status query shows from here, in order (a repeat only when it changed).
    const phases: string[] = [];
    const drifts = new Set<string>();
    const observe = async () => {
      const st = await status(handle);
      if (phases.at(-1) !== st.phase) phases.push(st.phase);
      if (st.drift) drifts.add(st.drift);
      return st.phase;
    };
    const preempted = await stack.admin<{ node: string }>('/preempt', 'POST', {
      cluster: clusterPath(cluster),
      downMs: 20_000,
    });
    assert.match(preempted.node, /^gke-spot-preempt-default-pool-/);
    // Its pods went with it (kube-scheduler spreads 5 pods over 3 nodes: the node had some).
    const onNode = [...podsBefore].filter(([, node]) => node === preempted.node).map(([pod]) => pod);
    assert.ok(onNode.length > 0, `no pod ran on ${preempted.node}: ${JSON.stringify([...podsBefore])}`);
    await waitFor('degraded', async () => (await observe()) === 'degraded', 60_000);
    assert.ok(
      [...drifts].some((d) => /only 2 of 3 nodes are Ready/.test(d)),
      `drift seen: ${[...drifts].join(' | ')}`,
    );
    await waitFor('running again', async () => (await observe()) === 'running', 120_000);
    assert.ok(!phases.includes('lost'), phases.join());
    assert.equal((await handle.describe()).status.name, 'RUNNING');
    // The node is back (same name, Ready, Spot) and the pods it had were made again elsewhere or on it.
    const nodesAfter = (await core.listNode()).items;
    assert.deepEqual(nodesAfter.map((n) => n.metadata?.name).sort(), nodesBefore.map((n) => n.metadata?.name).sort());
    for (const n of nodesAfter) {
      assert.ok(ready(n), `${n.metadata?.name} is not Ready`);
      assert.equal(n.metadata?.labels?.['cloud.google.com/gke-spot'], 'true', n.metadata?.name);
    }
    const podsAfter = await podsOf(core);
    assert.equal(podsAfter.size, 5, JSON.stringify([...podsAfter]));
    for (const pod of onNode) assert.ok(!podsAfter.has(pod), `${pod} outlived its node`);
    // The cloud holds what it held.
    assert.deepEqual(await inventory(stack), expectedRunning(cluster));
    await teardownAndCheck(stack, handle);
    return `${describeInventory(inv)}; ${preempted.node} preempted (${onNode.length} pods rescheduled) → ${phases.join(' → ')} → torn down: nothing`;
  });
});
