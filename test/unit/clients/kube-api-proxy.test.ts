import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubeForVia, targetConfigFromEnv, type TargetConfig } from '../../../src/clients';
import type { GkeClient } from '../../../src/clients/gke';

const env = { id: 'gkeflow/p/us-central1-a/c', project: 'p', location: 'us-central1-a', cluster: 'c' };
const cluster = {
  name: 'c',
  endpoint: '127.0.0.1:6443',
  masterAuth: { clusterCaCertificate: 'Y2E=', clientCertificate: 'Y2VydA==', clientKey: 'a2V5' },
};
const gke = { getCluster: async () => cluster } as unknown as GkeClient;

void test('GKEFLOW_KUBE_API_PROXY is read for the local target only', () => {
  const local: TargetConfig = targetConfigFromEnv({ GKEFLOW_KUBE_API_PROXY: '127.0.0.1:7000' });
  assert.equal(local.kubeApiProxy, '127.0.0.1:7000');
  assert.equal(targetConfigFromEnv({}).kubeApiProxy, undefined);
  assert.equal(
    targetConfigFromEnv({ GKEFLOW_TARGET: 'gcp', GKEFLOW_KUBE_API_PROXY: '127.0.0.1:7000' }).kubeApiProxy,
    undefined,
  );
});

void test("a Kubernetes API proxy replaces the cluster's endpoint and keeps its CA and client certificate", async () => {
  const direct = (await kubeForVia(gke, undefined)(env)).getCurrentCluster();
  assert.equal(direct?.server, 'https://127.0.0.1:6443');
  const kc = await kubeForVia(gke, undefined, '127.0.0.1:7000')(env);
  assert.equal(kc.getCurrentCluster()?.server, 'https://127.0.0.1:7000');
  assert.equal(kc.getCurrentCluster()?.caData, 'Y2E=');
  assert.equal(kc.getCurrentUser()?.certData, 'Y2VydA==');
});
