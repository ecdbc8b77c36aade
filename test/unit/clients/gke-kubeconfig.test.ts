import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { gkeExecKubeconfig } from '../../../src/clients/gke-kubeconfig';
import { controlPlaneServer } from '../../../src/clients/kube';

void test('the gcp kubeconfig is what gcloud get-credentials writes: endpoint, CA and a gke-gcloud-auth-plugin exec stanza', () => {
  const env = {
    id: 'gkeflow/p-123456/us-central1/pr-7',
    project: 'p-123456',
    location: 'us-central1',
    cluster: 'pr-7',
  };
  const doc = parse(gkeExecKubeconfig(env, '34.1.2.3', 'Q0EtUEVN')) as {
    clusters: Array<{ name: string; cluster: Record<string, string> }>;
    users: Array<{ name: string; user: { exec: Record<string, unknown>; token?: string } }>;
    'current-context': string;
  };
  const name = 'gke_p-123456_us-central1_pr-7';
  assert.equal(doc['current-context'], name);
  assert.deepEqual(doc.clusters[0], {
    name,
    cluster: { 'certificate-authority-data': 'Q0EtUEVN', server: 'https://34.1.2.3' },
  });
  const user = doc.users[0]!;
  assert.equal(user.name, name);
  assert.equal(user.user.token, undefined, 'no credential in the file');
  assert.equal(user.user.exec.apiVersion, 'client.authentication.k8s.io/v1beta1');
  assert.equal(user.user.exec.command, 'gke-gcloud-auth-plugin');
  assert.equal(user.user.exec.provideClusterInfo, true);
  assert.match(
    String(user.user.exec.installHint),
    /Install gke-gcloud-auth-plugin .*cluster-access-for-kubectl#install_plugin/,
  );
});

void test('a cluster without a public endpoint is reached through its DNS endpoint: no cluster CA (public certificate), no private IP', () => {
  const env = {
    id: 'gkeflow/p-123456/us-central1/pr-8',
    project: 'p-123456',
    location: 'us-central1',
    cluster: 'pr-8',
  };
  const dns = 'gke-0123456789abcdef0123456789abcdef-123456789012.us-central1.gke.goog';
  const cluster = {
    endpoint: '10.0.0.2',
    masterAuth: { clusterCaCertificate: 'Q0EtUEVN' },
    controlPlaneEndpointsConfig: {
      dnsEndpointConfig: { endpoint: dns, allowExternalTraffic: true },
      ipEndpointsConfig: { enablePublicEndpoint: false, privateEndpoint: '10.0.0.2' },
    },
  };
  const { server, caData } = controlPlaneServer(cluster);
  assert.deepEqual({ server, caData }, { server: `https://${dns}`, caData: undefined });
  const doc = parse(gkeExecKubeconfig(env, server, caData ?? '')) as { clusters: Array<{ cluster: unknown }> };
  assert.deepEqual(doc.clusters[0]?.cluster, { server: `https://${dns}` });
  // The public endpoint on: GetCluster's endpoint and the cluster CA, as before.
  const open = { ...cluster, endpoint: '34.1.2.3', controlPlaneEndpointsConfig: undefined };
  assert.deepEqual(controlPlaneServer(open), { server: 'https://34.1.2.3', caData: 'Q0EtUEVN' });
});
