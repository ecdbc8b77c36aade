// The walkthrough through the gcp target's own code path (ADC token from google-auth-library,
// bearer auth on every GKE and Artifact Registry call, the registry token exchange at
// /v2/token) against the local cloud with auth required, reached through the test-only endpoint
// overrides. The emulated cluster issues no client certificate (as GKE): gkeflow reaches its
// Kubernetes API with the access token as bearer token. The repository does not exist beforehand: gkeflow creates it, and deletes it at
// teardown with the image.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { v1 } from '@google-cloud/artifact-registry';
import { v1 as container } from '@google-cloud/container';
import { grpc } from 'google-gax';
import { GoogleAuth, OAuth2Client } from 'google-auth-library';
import { targetConfigFromEnv } from '../../src/clients/config';
import { adcTokenSource, CLOUD_PLATFORM_SCOPE } from '../../src/clients/credentials';
import type { EnvironmentSpec } from '../../src/envspec';
import { envStatus, startEnvironment } from '../../src/temporal/environments';
import { teardownUpdate } from '../../src/contract/messages';
import { startLocalCloud, type LocalCloud } from '../helpers/local-cloud';
import { E2E_TUNING, exampleSpec, planDone } from '../helpers/walkthrough';

const TOKEN = 'ya29.e2e-adc-token';
let cloud: LocalCloud;
const tuning = { ...E2E_TUNING, deleteImageOnTeardown: true };

before(async () => {
  cloud = await startLocalCloud(() => undefined, {
    requireAuth: TOKEN,
    target: (emulator) => {
      const client = new OAuth2Client();
      client.setCredentials({ access_token: TOKEN, expiry_date: Date.now() + 3600_000 });
      const adc = new GoogleAuth({ authClient: client, scopes: [CLOUD_PLATFORM_SCOPE] });
      return {
        ...targetConfigFromEnv({
          GKEFLOW_TARGET: 'gcp',
          GKEFLOW_GCP_GKE_ENDPOINT: emulator.address,
          GKEFLOW_GCP_ARTIFACT_REGISTRY_ENDPOINT: emulator.address,
          GKEFLOW_GCP_REGISTRY_ENDPOINT: emulator.registryAddress,
        }),
        tokenSource: adcTokenSource(adc),
      };
    },
  });
});
after(async () => {
  await cloud?.stop();
});

/** GET on a cluster's Kubernetes API with its CA, with or without a bearer token; the status code. */
function kubeGet(endpoint: string, ca: string, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      `https://${endpoint}/api/v1/namespaces/default`,
      { ca: Buffer.from(ca, 'base64'), headers: token ? { authorization: `Bearer ${token}` } : {} },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
  });
}

/**
 * The cluster gkeflow deployed to issued no client certificate (as GKE), and its Kubernetes API
 * refuses requests without the access token: gkeflow's kubeconfig can only have used the bearer token.
 */
async function assertBearerOnly(spec: EnvironmentSpec): Promise<void> {
  const gke = new container.ClusterManagerClient({
    apiEndpoint: '127.0.0.1',
    port: cloud.emulator.port,
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: 'googleapis.com',
    projectId: spec.project,
  });
  try {
    const [cl] = await gke.getCluster(
      { name: `projects/${spec.project}/locations/${spec.location}/clusters/${spec.cluster.name}` },
      { otherArgs: { headers: { authorization: `Bearer ${TOKEN}` } } },
    );
    assert.equal(Boolean(cl.masterAuth?.clientCertificate || cl.masterAuth?.clientKey), false, 'no client certificate');
    const ca = cl.masterAuth?.clusterCaCertificate ?? '';
    assert.equal(await kubeGet(cl.endpoint ?? '', ca), 401, 'no token: refused');
    assert.equal(await kubeGet(cl.endpoint ?? '', ca, TOKEN), 200, 'the access token: accepted');
  } finally {
    await gke.close();
  }
}

void test('the walkthrough runs on the gcp code path against the local cloud with auth required', async () => {
  const spec = exampleSpec('gcp-path-e2e');
  const s = await startEnvironment(cloud.client, cloud.cfg, spec, tuning);
  assert.equal(await planDone(cloud.client, s.envId), 'running');
  const st = await envStatus(cloud.client, s.envId);
  assert.equal(st.status?.replicas, 5);
  assert.match(st.status?.imageReference ?? '', /^asia-docker\.pkg\.dev\/gkeflow-demo\/notebooks\/tensorflow@sha256:/);
  assert.equal(st.status?.repository, 'projects/gkeflow-demo/locations/asia/repositories/notebooks');
  await assertBearerOnly(spec);
  const handle = cloud.client.workflow.getHandle(s.envId);
  const result = await handle.executeUpdate(teardownUpdate, { args: [{}] });
  assert.deepEqual(result.leftovers, []);
  assert.deepEqual(result.cleaned.sort(), ['cluster', 'deployment', 'image', 'service']);
  // Nothing left: no cluster, and the repository gkeflow created is gone (the official client says so).
  const admin = await fetch(`http://127.0.0.1:${cloud.emulator.adminPort}/clusters`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.deepEqual(((await admin.json()) as { clusters: unknown[] }).clusters, [], 'no cluster left');
  const ar = new v1.ArtifactRegistryClient({
    apiEndpoint: '127.0.0.1',
    port: cloud.emulator.port,
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: 'googleapis.com',
    projectId: 'gkeflow-demo',
  });
  try {
    const [repos] = await ar.listRepositories(
      { parent: 'projects/gkeflow-demo/locations/-' },
      { otherArgs: { headers: { authorization: `Bearer ${TOKEN}` } } },
    );
    assert.deepEqual(repos, []);
  } finally {
    await ar.close();
  }
});
