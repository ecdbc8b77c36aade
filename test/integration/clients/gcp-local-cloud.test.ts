// The gcp target's own code path (ADC token through google-auth-library, bearer auth on every
// API call, the Artifact Registry token exchange at /v2/token) against the local cloud with auth
// required, reached through the endpoint overrides that real users never need.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { v1 } from '@google-cloud/artifact-registry';
import { grpc } from 'google-gax';
import { GoogleAuth, OAuth2Client } from 'google-auth-library';
import { activitiesForTarget } from '../../../src/activities';
import type { EnvRef } from '../../../src/contract/environment-id';
import type { GkeflowActivities } from '../../../src/contract/activities';
import { targetConfigFromEnv, type TargetConfig } from '../../../src/clients/config';
import { adcTokenSource, CLOUD_PLATFORM_SCOPE } from '../../../src/clients/credentials';
import type { RunningEmulator } from '../../../src/emulator';
import { emulator } from '../../helpers/emulator';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry-server';

const TOKEN = 'ya29.local-cloud-adc';
const env: EnvRef = {
  id: 'gkeflow/demo-project/asia-east1-a/gcp-path',
  project: 'demo-project',
  location: 'asia-east1-a',
  cluster: 'gcp-path',
};
const IMAGE = 'asia-docker.pkg.dev/demo-project/gkeflow/web';
const REPO = 'projects/demo-project/locations/asia/repositories/gkeflow';

/** Application Default Credentials whose client already holds `token`: no network, no metadata server. */
function fakeAdc(token: string): GoogleAuth {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 3600_000 });
  return new GoogleAuth({ authClient: client, scopes: [CLOUD_PLATFORM_SCOPE] });
}

void describe('the gcp target against the local cloud with auth required', () => {
  let reg: TestRegistry;
  let emu: RunningEmulator;
  let config: TargetConfig;
  let acts: GkeflowActivities;
  let close: () => Promise<void>;
  before(async () => {
    reg = await startTestRegistry();
    emu = await emulator({
      delays: { operationPending: 0, createCluster: 0, deleteCluster: 0 },
      requireAuth: TOKEN,
      registry: { port: 0, backend: reg.backend },
    });
    const fromEnv = targetConfigFromEnv({
      GKEFLOW_TARGET: 'gcp',
      GKEFLOW_GCP_GKE_ENDPOINT: emu.address,
      GKEFLOW_GCP_ARTIFACT_REGISTRY_ENDPOINT: emu.address,
      GKEFLOW_GCP_REGISTRY_ENDPOINT: emu.registryAddress,
    });
    config = { ...fromEnv, tokenSource: adcTokenSource(fakeAdc(TOKEN)) };
    ({ activities: acts, close } = activitiesForTarget(config, { gkePollMs: 50 }));
  });
  after(async () => {
    await close?.();
    await emu?.stop();
    await reg?.stop();
  });

  void it('refuses endpoint overrides that leave the machine', () => {
    assert.throws(
      () => targetConfigFromEnv({ GKEFLOW_TARGET: 'gcp', GKEFLOW_GCP_REGISTRY_ENDPOINT: 'evil.example.com:80' }),
      /GKEFLOW_GCP_REGISTRY_ENDPOINT must be a loopback host:port/,
    );
    assert.equal(
      targetConfigFromEnv({ GKEFLOW_TARGET: 'local', GKEFLOW_GCP_GKE_ENDPOINT: '127.0.0.1:1' }).gcpOverrides,
      undefined,
    );
  });

  void it('creates the repository, pushes through the token exchange, creates and deletes the cluster, cleans up', async () => {
    assert.deepEqual(await acts.ensureRepository({ env, repository: IMAGE }), { repository: REPO, created: true });
    const pushed = await acts.pushImage({
      env,
      source: { kind: 'builtin', name: 'demo' },
      repository: IMAGE,
      tag: 'v1',
    });
    assert.match(pushed.reference, /^asia-docker\.pkg\.dev\/demo-project\/gkeflow\/web@sha256:[0-9a-f]{64}$/);

    // The official client, as a user would run it, lists what gkeflow created.
    const ar = new v1.ArtifactRegistryClient({
      apiEndpoint: '127.0.0.1',
      port: emu.port,
      sslCreds: grpc.credentials.createInsecure(),
      universeDomain: 'googleapis.com',
      projectId: 'demo-project',
    });
    const auth = { otherArgs: { headers: { authorization: `Bearer ${TOKEN}` } } };
    try {
      const [repos] = await ar.listRepositories({ parent: 'projects/demo-project/locations/asia' }, auth);
      assert.deepEqual(
        repos.map((r) => [r.name, r.labels?.['managed-by']]),
        [[REPO, 'gkeflow']],
      );
      const [images] = await ar.listDockerImages({ parent: REPO }, auth);
      assert.deepEqual(
        images.map((i) => i.tags),
        [['v1']],
      );
    } finally {
      await ar.close();
    }

    const cluster = await acts.ensureCluster({
      env,
      nodePools: [{ name: 'default-pool', machineType: 'e2-small', nodeCount: 1 }],
      labels: {},
    });
    assert.equal(cluster.status, 'RUNNING');
    assert.deepEqual(await acts.deleteCluster({ env }), { deleted: true });
    assert.deepEqual(await acts.deleteImageTag({ env, repository: IMAGE, tag: 'v1' }), { deleted: true });
    assert.deepEqual(await acts.deleteRepository({ env, name: REPO }), { deleted: true });
  });

  void it('answers a wrong access token with PermissionDeniedError on every API, without echoing it', async () => {
    const wrong = activitiesForTarget({ ...config, tokenSource: adcTokenSource(fakeAdc('ya29.wrong')) });
    try {
      const denied = (e: Error & { type?: string }) => {
        assert.equal(e.type ?? e.name, 'PermissionDeniedError');
        assert.ok(!e.message.includes('ya29'), 'no token in the message');
        return true;
      };
      await assert.rejects(wrong.activities.ensureRepository({ env, repository: IMAGE }), denied);
      await assert.rejects(
        wrong.activities.pushImage({ env, source: { kind: 'builtin', name: 'demo' }, repository: IMAGE, tag: 'v2' }),
        denied,
      );
      await assert.rejects(
        wrong.activities.ensureCluster({
          env: { ...env, cluster: 'denied' },
          nodePools: [{ name: 'default-pool', machineType: 'e2-small', nodeCount: 1 }],
          labels: {},
        }),
        denied,
      );
    } finally {
      await wrong.close();
    }
  });
});
