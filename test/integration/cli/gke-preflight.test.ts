// `gkeflow up` checks the spec's location (and release channel) against GKE's GetServerConfig
// before starting anything: a location GKE does not have is bad input (exit 2, `location` named,
// nothing created); an API it cannot reach, or that refuses the credentials, only warns.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GoogleAuth, OAuth2Client } from 'google-auth-library';
import { checkSpecWithGke, serverConfigVia } from '../../../src/cli/gke-preflight';
import { targetConfigFromEnv, type TargetConfig } from '../../../src/clients/config';
import { adcTokenSource, CLOUD_PLATFORM_SCOPE } from '../../../src/clients/credentials';
import type { RunningEmulator } from '../../../src/emulator';
import { freePort } from '../../../src/process/process';
import { SpecValidationError, validateSpec, type EnvironmentSpec } from '../../../src/envspec';
import { runCli } from '../../helpers/cli';
import { emulator, tempStateDir } from '../../helpers/emulator';

const TOKEN = 'ya29.preflight';

function spec(location: string, extra: Record<string, unknown> = {}, target = 'gcp'): EnvironmentSpec {
  return validateSpec({
    apiVersion: 'gkeflow/v1',
    kind: 'Environment',
    target,
    project: 'gkeflow-test',
    location,
    cluster: { name: 'preflight', ...extra },
    image: { source: 'builtin:demo', repository: 'us-docker.pkg.dev/gkeflow-test/gkeflow/web' },
    deployment: { name: 'web', containers: [{ name: 'web', image: '$image', ports: [{ containerPort: 8080 }] }] },
    service: { name: 'web', type: 'LoadBalancer', ports: [{ port: 80, targetPort: 8080 }] },
  });
}

/** ADC whose client already holds `token`: no network, no metadata server. */
function gcpConfig(gkeEndpoint: string, token = TOKEN): TargetConfig {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 3600_000 });
  const adc = new GoogleAuth({ authClient: client, scopes: [CLOUD_PLATFORM_SCOPE] });
  return {
    ...targetConfigFromEnv({ GKEFLOW_TARGET: 'gcp', GKEFLOW_GCP_GKE_ENDPOINT: gkeEndpoint }),
    tokenSource: adcTokenSource(adc),
  };
}

void describe('up checks the location against GetServerConfig', () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await emulator({ requireAuth: TOKEN });
  });
  after(async () => {
    await emu?.stop();
  });

  void it('refuses a location GKE does not have on the gcp code path, naming the field and quoting GKE', async () => {
    const warnings: string[] = [];
    const deps = { serverConfig: serverConfigVia(gcpConfig(emu.address)), warn: (l: string) => warnings.push(l) };
    await assert.rejects(checkSpecWithGke(spec('us-north1'), 'env.yaml', deps), (e: Error) => {
      assert.ok(e instanceof SpecValidationError);
      assert.deepEqual(
        e.issues.map((i) => i.path),
        ['location'],
      );
      assert.match(e.message, /Location "us-north1" does not exist\./);
      return true;
    });
    await checkSpecWithGke(spec('us-east5-a', { releaseChannel: 'EXTENDED' }), 'env.yaml', deps);
    assert.deepEqual(warnings, []);
  });

  void it('retries a transient error as the failure registry says, then checks', async () => {
    await fetch(`http://127.0.0.1:${emu.adminPort}/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ rules: [{ rpc: 'GetServerConfig', code: 'UNAVAILABLE', count: 2 }] }),
    });
    const warnings: string[] = [];
    const deps = {
      serverConfig: serverConfigVia(gcpConfig(emu.address)),
      warn: (l: string) => warnings.push(l),
      retryDelayMs: 10,
    };
    await assert.rejects(checkSpecWithGke(spec('europe-west1-a'), 'env.yaml', deps), SpecValidationError);
    assert.deepEqual(warnings, []);
  });

  void it('skips the check with a warning when the API is unreachable or refuses the credentials', async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    for (const config of [gcpConfig(closed), gcpConfig(emu.address, 'ya29.wrong')]) {
      const warnings: string[] = [];
      const t0 = Date.now();
      await checkSpecWithGke(spec('us-north1'), 'env.yaml', {
        serverConfig: serverConfigVia(config),
        warn: (l) => warnings.push(l),
        retryDelayMs: 10,
      });
      assert.ok(Date.now() - t0 < 15_000, 'does not hang');
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0]!, /could not check location us-north1 against GKE/);
      assert.ok(!warnings[0]!.includes('ya29'), 'no token in the warning');
    }
  });

  void it('refuses a release channel GKE does not offer there, when the answer lists channels', async () => {
    const serverConfig = () => Promise.resolve({ channels: [{ channel: 'REGULAR' }, { channel: 'STABLE' }] } as never);
    await assert.rejects(
      checkSpecWithGke(spec('us-east5', { releaseChannel: 'RAPID' }), 'env.yaml', { serverConfig, warn: () => {} }),
      (e: SpecValidationError) => e.issues[0]?.path === 'cluster.releaseChannel' && /REGULAR, STABLE/.test(e.message),
    );
  });

  void it('gkeflow up exits 2 naming location, before anything is started', async () => {
    const dir = tempStateDir('preflight-');
    const file = path.join(dir, 'env.yaml');
    fs.writeFileSync(file, JSON.stringify(spec('asia-east1-z', {}, 'local')));
    const res = await runCli(['up', '-f', file], {
      GKEFLOW_EMULATOR_ADDRESS: emu.address,
      GKEFLOW_EMULATOR_TOKEN: TOKEN,
      // Nothing listens here: had `up` gone on to start the workflow, it would fail otherwise.
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    });
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /\[GKF-SPEC-INVALID\]/);
    assert.match(
      res.stderr,
      /^ {2}location: GKE does not offer asia-east1-z: Location "asia-east1-z" does not exist\.$/m,
    );
    const clusters = await fetch(`http://127.0.0.1:${emu.adminPort}/clusters`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.deepEqual(((await clusters.json()) as { clusters: unknown[] }).clusters, []);
  });

  void it('gkeflow up exits 2 naming a machine type Compute Engine lacks in the zone, before anything is started', async () => {
    const dir = tempStateDir('preflight-');
    const file = path.join(dir, 'env.yaml');
    const pools = [{ name: 'default-pool', machineType: 'g9-huge', nodeCount: 1 }];
    fs.writeFileSync(file, JSON.stringify(spec('us-central1-a', { nodePools: pools }, 'local')));
    const res = await runCli(['up', '-f', file], {
      GKEFLOW_EMULATOR_ADDRESS: emu.address,
      GKEFLOW_EMULATOR_ADMIN_PORT: String(emu.adminPort),
      GKEFLOW_EMULATOR_TOKEN: TOKEN,
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    });
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /\[GKF-SPEC-INVALID\]/);
    assert.match(
      res.stderr,
      /^ {2}cluster\.nodePools\[0\]\.machineType: Compute Engine has no machine type g9-huge in zone us-central1-a$/m,
    );
    const clusters = await fetch(`http://127.0.0.1:${emu.adminPort}/clusters`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.deepEqual(((await clusters.json()) as { clusters: unknown[] }).clusters, []);
  });
});
