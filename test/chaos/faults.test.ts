// Transient faults on every system the worker talks to: GKE calls failing UNAVAILABLE 30 % of
// the time, FAILED_PRECONDITION ("incompatible operation") bursts, Kubernetes API 429/503 from a
// proxy in front of the kwok API server, registry 5xx from a proxy in front of the registry.
// Each run completes with one of each resource, then tears down to nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';
import { ChaosStack } from '../helpers/chaos-stack';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { teardownUpdate } from '../../src/contract/messages';
import {
  chaosCase,
  describeInventory,
  EMPTY,
  EMULATOR_ENV,
  expectedRunning,
  finishAndCheck,
  inventory,
  LOCATION,
  PROJECT,
  QUICK_ONLY,
  FULL_ONLY,
  startRun,
  waitProvisioned,
} from './scenario';
import { secretScanTests } from './secret-scan';

let stack: ChaosStack;
const proxies: FaultProxy[] = [];
before(async () => {
  stack = await ChaosStack.start({ emulatorEnv: EMULATOR_ENV });
});
after(async () => {
  for (const p of proxies) await p.stop();
  await stack?.stop();
});

const chaos = (name: string, body: () => Promise<string>) => chaosCase(stack, 'faults', name, body);

/** Replaces the stack's workers by one started with these env vars. */
async function workerWith(env: NodeJS.ProcessEnv = {}): Promise<void> {
  await stack.stopWorkers();
  await stack.startWorker(env);
}

/**
 * 30 % of GKE calls fail UNAVAILABLE through provisioning and teardown; with `kube`, the
 * Kubernetes API is throttled too (the quick set's combined case).
 */
async function gkeUnavailable(cluster: string, kube: boolean): Promise<string> {
  const proxy = kube ? await kubeProxy(cluster) : undefined;
  await workerWith(proxy ? { GKEFLOW_KUBE_API_PROXY: proxy.address } : {});
  const unavailable = [{ rpc: '*', code: 'UNAVAILABLE', probability: 0.3, message: 'injected: unavailable' }];
  await stack.setFaults(unavailable, 7);
  try {
    const handle = await startRun(stack, cluster);
    await waitProvisioned(handle);
    // The inventory reads through the same emulator: faults off while it looks, on again for teardown.
    await stack.setFaults([]);
    const inv = await inventory(stack);
    assert.deepEqual(inv, expectedRunning(cluster));
    await stack.setFaults(unavailable, 8);
    const res = await handle.executeUpdate(teardownUpdate, { args: [{ reason: 'chaos case done' }] });
    assert.deepEqual(res.leftovers, []);
    await handle.result();
    await stack.setFaults([]);
    assert.deepEqual(await inventory(stack), EMPTY);
    return `${describeInventory(inv)} → torn down: nothing${proxy ? proxyStats(proxy, 'Kubernetes') : ''}`;
  } finally {
    await stack.setFaults([]);
  }
}

void test('30 % of GKE calls fail UNAVAILABLE: the run completes and tears down', FULL_ONLY, async () => {
  await chaos('GKE: 30 % of calls UNAVAILABLE', () => gkeUnavailable('gke-unavailable', false));
});

void test(
  '30 % of GKE calls UNAVAILABLE and 30 % of Kubernetes API calls 429/503 at once: the run completes and tears down',
  QUICK_ONLY,
  async () => {
    await chaos('quick: GKE 30 % UNAVAILABLE + Kubernetes API 30 % 429/503', () =>
      gkeUnavailable('faults-quick', true),
    );
  },
);

void test(
  'FAILED_PRECONDITION bursts (incompatible operation, GKE busy after create): the run completes',
  FULL_ONLY,
  async () => {
    await chaos('GKE: FAILED_PRECONDITION bursts', async () => {
      await workerWith();
      const cluster = 'gke-busy';
      const busy = 'Cluster is running incompatible operation operation-chaos-auto-upgrade.';
      await stack.admin('/config', 'PATCH', { delays: { autoOperationAfterCreate: 2000 } });
      await stack.setFaults([
        { rpc: 'SetNodePoolSize', code: 'FAILED_PRECONDITION', count: 3, message: busy },
        { rpc: 'DeleteCluster', code: 'FAILED_PRECONDITION', count: 3, message: busy },
      ]);
      try {
        const handle = await startRun(stack, cluster);
        const text = await finishAndCheck(stack, handle, cluster);
        const left = await stack.admin<{ rules: Array<{ count?: number }> }>('/faults');
        assert.deepEqual(
          left.rules.map((r) => r.count),
          [0, 0],
          'every burst was met and retried through',
        );
        return text;
      } finally {
        await stack.setFaults([]);
        await stack.admin('/config', 'PATCH', { delays: { autoOperationAfterCreate: 0 } });
      }
    });
  },
);

/** Upstream of the Kubernetes proxy: the one cluster of the case, through its kubeconfig from the emulator. */
async function clusterKubeconfig(cluster: string) {
  const name = `projects/${PROJECT}/locations/${LOCATION}/clusters/${cluster}`;
  const res = await fetch(`${stack.adminUrl}/kubeconfig?cluster=${encodeURIComponent(name)}`);
  if (!res.ok) throw new Error(`no kubeconfig for ${name} yet: ${res.status}`);
  const kc = YAML.parse(await res.text()) as {
    clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
    users: Array<{ user: { 'client-certificate-data': string; 'client-key-data': string } }>;
  };
  const b64 = (s: string) => Buffer.from(s, 'base64');
  return {
    url: kc.clusters[0]!.cluster.server,
    ca: b64(kc.clusters[0]!.cluster['certificate-authority-data']),
    cert: b64(kc.users[0]!.user['client-certificate-data']),
    key: b64(kc.users[0]!.user['client-key-data']),
  };
}

/** A fault proxy before the case's cluster's API server (429/503 to 30 % of calls). */
async function kubeProxy(cluster: string): Promise<FaultProxy> {
  // The proxy serves the cluster's own serving certificate (kwok's admin pair, signed by the cluster CA
  // and valid for 127.0.0.1), so the worker still verifies TLS against the cluster's CA.
  const proxy = await startFaultProxy({
    upstream: () => clusterKubeconfig(cluster),
    serverTls: async () => {
      const kc = await clusterKubeconfig(cluster);
      return { cert: kc.cert, key: kc.key };
    },
    faults: { rate: 0.3, statuses: [429, 503], seed: 3 },
  });
  proxies.push(proxy);
  return proxy;
}

/** Asserts the proxy did inject faults; their count for the report. */
function proxyStats(proxy: FaultProxy, what: string): string {
  const total = proxy.injected + proxy.forwarded;
  assert.ok(proxy.injected > 0, `the proxy injected faults (${proxy.injected} of ${total})`);
  return ` (${proxy.injected}/${total} ${what} calls faulted)`;
}

void test(
  'Kubernetes API answers 429/503 to 30 % of calls (a proxy before the API server): the run completes',
  FULL_ONLY,
  async () => {
    await chaos('Kubernetes API: 30 % 429/503', async () => {
      const cluster = 'kube-throttled';
      const proxy = await kubeProxy(cluster);
      await workerWith({ GKEFLOW_KUBE_API_PROXY: proxy.address });
      const handle = await startRun(stack, cluster);
      return `${await finishAndCheck(stack, handle, cluster)}${proxyStats(proxy, 'Kubernetes')}`;
    });
  },
);

/** The registry behind a fault proxy answering 500/502/503 to `rate` of the calls (after a `burst`). */
async function registryFaults(cluster: string, rate: number, burst: number): Promise<string> {
  const proxy = await startFaultProxy({
    upstream: async () => ({ url: `http://${stack.registryAddress}` }),
    faults: { rate, burst, statuses: [500, 502, 503], seed: 5 },
  });
  proxies.push(proxy);
  await workerWith({ GKEFLOW_REGISTRY_ADDRESS: proxy.address });
  const handle = await startRun(stack, cluster);
  return `${await finishAndCheck(stack, handle, cluster)}${proxyStats(proxy, 'registry')}`;
}

void test('the registry answers 5xx to 10 % of calls after a burst of 3: the push completes', FULL_ONLY, async () => {
  await chaos('registry: burst of 3, then 10 % 5xx', () => registryFaults('registry-5xx', 0.1, 3));
});

// Pushing builtin:demo (a multi-platform index) takes ~20 registry calls: each failed one is
// retried by the registry client (a failed upload in a new session), not by failing the attempt.
void test('the registry answers 5xx to 30 % of calls: the push completes', FULL_ONLY, async () => {
  await chaos('registry: 30 % 5xx', () => registryFaults('registry-5xx-30', 0.3, 0));
});

secretScanTests(() => stack);
