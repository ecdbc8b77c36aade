import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GoogleAuth, OAuth2Client } from 'google-auth-library';
import { registryActivities } from '../../../src/activities/registry';
import type { EnvRef } from '../../../src/contract/environment-id';
import { targetConfigFromEnv, type TargetConfig } from '../../../src/clients/config';
import { adcTokenSource, CLOUD_PLATFORM_SCOPE } from '../../../src/clients/credentials';
import { gkeClientOptions, tokenSourceFor } from '../../../src/clients/gke';
import { kubeConfigForCluster } from '../../../src/clients/kube';
import { resolveRepository } from '../../../src/clients/registry';
import { demoImage } from '../../../src/image/demo';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry-server';
import { startFakeArtifactRegistry, type FakeArtifactRegistry } from '../../helpers/fake-artifact-registry';

const FAKE_TOKEN = 'ya29.fake-adc-token';
const env: EnvRef = { id: 'gkeflow/p/l/c', project: 'demo-project', location: 'asia-east1-a', cluster: 'c' };

/** Application Default Credentials whose client already holds a token: no network, no metadata server. */
function fakeAdc(): GoogleAuth {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: FAKE_TOKEN, expiry_date: Date.now() + 3600_000 });
  return new GoogleAuth({ authClient: client, scopes: [CLOUD_PLATFORM_SCOPE] });
}

void describe('target config from the environment', () => {
  void it('defaults to the local target on the documented addresses', () => {
    assert.deepEqual(
      { ...targetConfigFromEnv({}) },
      { target: 'local', emulatorAddress: '127.0.0.1:8090', registryAddress: '127.0.0.1:5000' },
    );
  });
  void it('reads overrides and reports every problem at once', () => {
    const c = targetConfigFromEnv({
      GKEFLOW_TARGET: 'gcp',
      GKEFLOW_EMULATOR_ADDRESS: '127.0.0.1:1',
      GKEFLOW_REGISTRY_ADDRESS: '127.0.0.1:2',
    });
    assert.equal(c.target, 'gcp');
    assert.throws(
      () => targetConfigFromEnv({ GKEFLOW_TARGET: 'aws', GKEFLOW_REGISTRY_ADDRESS: 'nope' }),
      (e: Error) => e.message.includes('GKEFLOW_TARGET') && e.message.includes('GKEFLOW_REGISTRY_ADDRESS'),
    );
  });
  void it('follows a local stack moved by its port variables unless an address is given', () => {
    const c = targetConfigFromEnv({
      GKEFLOW_EMULATOR_PORT: '18090',
      GKEFLOW_REGISTRY_PORT: '15000',
      GKEFLOW_REGISTRY_ADDRESS: 'reg:1',
    });
    assert.deepEqual([c.emulatorAddress, c.registryAddress], ['127.0.0.1:18090', 'reg:1']);
    assert.throws(
      () => targetConfigFromEnv({ GKEFLOW_EMULATOR_PORT: 'x' }),
      (e: Error & { code?: string }) => e.code === 'GKF-TARGET-CONFIG' && e.message.includes('GKEFLOW_EMULATOR_PORT=x'),
    );
  });
  void it('gives the local target a token source only when GKEFLOW_EMULATOR_TOKEN is set', async () => {
    assert.equal(targetConfigFromEnv({}).tokenSource, undefined);
    assert.equal(await targetConfigFromEnv({ GKEFLOW_EMULATOR_TOKEN: 't0k' }).tokenSource?.getAccessToken(), 't0k');
  });
});

void describe('gcp clients and credentials', () => {
  const gcp: TargetConfig = {
    target: 'gcp',
    emulatorAddress: '127.0.0.1:1',
    registryAddress: '127.0.0.1:2',
    tokenSource: adcTokenSource(fakeAdc()),
  };

  void it('takes access tokens from Application Default Credentials', async () => {
    assert.equal(await adcTokenSource(fakeAdc()).getAccessToken(), FAKE_TOKEN);
    const noToken = { ...gcp, tokenSource: undefined };
    assert.ok(tokenSourceFor(noToken), 'gcp defaults to ADC');
    assert.equal(tokenSourceFor(noToken), tokenSourceFor(noToken), 'one ADC client per config');
    assert.equal(tokenSourceFor({ target: 'local', emulatorAddress: 'a:1', registryAddress: 'b:2' }), undefined);
  });

  void it('reports missing ADC as PermissionDeniedError without leaking anything', async () => {
    const broken = new GoogleAuth({ keyFilename: '/nonexistent/credentials.json' });
    await assert.rejects(adcTokenSource(broken).getAccessToken(), { name: 'PermissionDeniedError' });
  });

  void it('points the GKE client at container.googleapis.com over TLS, the local one at the emulator without TLS', () => {
    const o = gkeClientOptions(gcp);
    assert.equal(o.apiEndpoint, 'container.googleapis.com');
    assert.equal(o.port, 443);
    assert.equal((o.sslCreds as unknown as { _isSecure(): boolean })._isSecure(), true);
    const l = gkeClientOptions({ target: 'local', emulatorAddress: '127.0.0.1:8090', registryAddress: 'x:1' });
    assert.equal(l.apiEndpoint, '127.0.0.1');
    assert.equal(l.port, 8090);
    assert.equal((l.sslCreds as unknown as { _isSecure(): boolean })._isSecure(), false);
  });

  void it('builds a GKE kubeconfig in memory with the cluster CA and an ADC bearer token', async () => {
    const ca = Buffer.from('-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n').toString('base64');
    const kc = await kubeConfigForCluster(
      { name: 'c', endpoint: '34.80.1.2', masterAuth: { clusterCaCertificate: ca } },
      gcp.tokenSource,
    );
    assert.equal(kc.getCurrentCluster()?.server, 'https://34.80.1.2');
    assert.equal(kc.getCurrentCluster()?.caData, ca);
    assert.equal(kc.getCurrentUser()?.token, FAKE_TOKEN);
    const local = await kubeConfigForCluster(
      {
        name: 'c',
        endpoint: '127.0.0.1:6443',
        masterAuth: { clusterCaCertificate: ca, clientCertificate: 'Y2VydA==', clientKey: 'a2V5' },
      },
      undefined,
    );
    assert.equal(local.getCurrentUser()?.certData, 'Y2VydA==');
    assert.equal(local.getCurrentUser()?.token, undefined);
    await assert.rejects(kubeConfigForCluster({ name: 'c', endpoint: '1.2.3.4', masterAuth: {} }, undefined), {
      name: 'PermissionDeniedError',
    });
  });

  void it('maps Artifact Registry names to the local registry on the local target and keeps them on gcp', async () => {
    const local: TargetConfig = { target: 'local', emulatorAddress: 'a:1', registryAddress: '127.0.0.1:5000' };
    assert.deepEqual(resolveRepository('asia-docker.pkg.dev/p/repo/img', local), {
      base: 'http://127.0.0.1:5000',
      host: '127.0.0.1:5000',
      name: 'p/repo/img',
    });
    assert.deepEqual(resolveRepository('gcr.io/p/img', local), {
      base: 'http://127.0.0.1:5000',
      host: '127.0.0.1:5000',
      name: 'p/img',
    });
    const r = resolveRepository('asia-docker.pkg.dev/p/repo/img', gcp);
    assert.equal(r.base, 'https://asia-docker.pkg.dev');
    assert.equal(r.name, 'p/repo/img');
    assert.deepEqual(await r.credentials?.(), { username: 'oauth2accesstoken', password: FAKE_TOKEN });
  });
});

void describe('Artifact Registry auth handshake (Bearer challenge, oauth2accesstoken + ADC token)', () => {
  let reg: TestRegistry;
  let ar: FakeArtifactRegistry;
  before(async () => {
    reg = await startTestRegistry();
    ar = await startFakeArtifactRegistry(reg.address, FAKE_TOKEN);
  });
  after(async () => {
    await ar?.close();
    await reg?.stop();
  });

  void it('pushes through the challenge with the ADC token, and fails with PermissionDeniedError on a wrong one', async () => {
    const config: TargetConfig = {
      target: 'gcp',
      emulatorAddress: 'a:1',
      registryAddress: 'b:2',
      tokenSource: adcTokenSource(fakeAdc()),
    };
    const viaFront = (repository: string) => ({ ...resolveRepository(repository, config), base: ar.base });
    const { pushImage, deleteImageTag } = registryActivities({ config, resolve: viaFront });
    const res = await pushImage({
      env,
      source: { kind: 'builtin', name: 'demo' },
      repository: 'asia-docker.pkg.dev/demo-project/apps/demo',
      tag: 'v1',
    });
    assert.equal(res.digest, (await demoImage()).manifest.digest);
    assert.equal(res.reference, `asia-docker.pkg.dev/demo-project/apps/demo@${res.digest}`);
    assert.ok(ar.tokenRequests.length >= 1);
    assert.deepEqual(ar.tokenRequests[0], ['repository:demo-project/apps/demo:pull,push']);
    assert.deepEqual(
      await deleteImageTag({ env, repository: 'asia-docker.pkg.dev/demo-project/apps/demo', tag: 'v1' }),
      { deleted: true },
    );

    const wrong: TargetConfig = { ...config, tokenSource: { getAccessToken: async () => 'ya29.wrong' } };
    const denied = registryActivities({
      config: wrong,
      resolve: (r) => ({ ...resolveRepository(r, wrong), base: ar.base }),
    });
    await assert.rejects(
      denied.pushImage({
        env,
        source: { kind: 'builtin', name: 'demo' },
        repository: 'asia-docker.pkg.dev/demo-project/apps/demo',
        tag: 'v1',
      }),
      (e: Error) => {
        assert.equal(e.name, 'PermissionDeniedError');
        assert.ok(!e.message.includes('ya29'), 'no token in the message');
        return true;
      },
    );
  });

  void it('answers a Basic challenge with oauth2accesstoken and the ADC token', async () => {
    const basic = await startFakeArtifactRegistry(reg.address, FAKE_TOKEN, 'basic');
    try {
      const config: TargetConfig = {
        target: 'gcp',
        emulatorAddress: 'a:1',
        registryAddress: 'b:2',
        tokenSource: adcTokenSource(fakeAdc()),
      };
      const { pushImage } = registryActivities({
        config,
        resolve: (r) => ({ ...resolveRepository(r, config), base: basic.base }),
      });
      const res = await pushImage({
        env,
        source: { kind: 'builtin', name: 'demo' },
        repository: 'europe-docker.pkg.dev/demo-project/apps/basic',
        tag: 'v1',
      });
      assert.equal(res.digest, (await demoImage()).manifest.digest);
      assert.equal(basic.tokenRequests.length, 0);
    } finally {
      await basic.close();
    }
  });
});
