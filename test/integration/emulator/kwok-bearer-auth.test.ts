// An emulator started with --require-auth=TOKEN hands out clusters as GKE does: GetCluster
// carries no client certificate (issueClientCertificate false), and each kwok cluster's
// kube-apiserver accepts the emulator's token as a bearer token and refuses requests without it
// (401), also after a restart with another token. `requireAuth: true` (any token) keeps issuing
// client certificates: a cluster cannot accept "any token" without accepting everyone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { v1, protos } from '@google-cloud/container';
import type { RunningEmulator } from '../../../src/emulator';
import { toCluster } from '../../../src/emulator/gke/api/resources';
import type { ClusterRecord } from '../../../src/emulator/store/store';
import { client, clusterName, emulator, parent, tempStateDir } from '../../helpers/emulator';

const TOKEN = 'ya29.cluster-bearer';
const ROTATED = 'ya29.after-restart';
let stateDir: string;
let emu: RunningEmulator;
let c: v1.ClusterManagerClient;
const call = (token: string) => ({ otherArgs: { headers: { authorization: `Bearer ${token}` } } });

/** GET on the cluster's Kubernetes API with its CA; the status code. */
function kubeGet(cl: protos.google.container.v1.ICluster, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      `https://${cl.endpoint}/api/v1/namespaces/default`,
      {
        ca: Buffer.from(cl.masterAuth?.clusterCaCertificate ?? '', 'base64'),
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
  });
}

before(async () => {
  stateDir = tempStateDir('emu-bearer-');
  emu = await emulator({ stateDir, controlPlane: 'kwok', requireAuth: TOKEN });
  c = client(emu);
});

after(async () => {
  await c.close();
  await fetch(`http://127.0.0.1:${emu.adminPort}/reset`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ROTATED}` },
  }).catch(() => undefined);
  await emu.stop();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

void test('GetCluster issues no client certificate and the cluster takes the emulator token as bearer token', async () => {
  const [op] = await c.createCluster(
    { parent: parent(), cluster: { name: 'bearer', nodePools: [{ name: 'p', initialNodeCount: 1 }] } },
    call(TOKEN),
  );
  let done = op;
  for (const deadline = Date.now() + 180_000; done.status !== 'DONE' && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 200));
    [done] = await c.getOperation({ name: `${parent()}/operations/${op.name}` }, call(TOKEN));
  }
  assert.equal(done.error?.message ?? '', '');
  const [cl] = await c.getCluster({ name: clusterName('bearer') }, call(TOKEN));
  assert.equal(cl.status, 'RUNNING');
  // Booleans only: a failing assertion must not print a key.
  assert.equal(Boolean(cl.masterAuth?.clientCertificate), false, 'no client certificate, as GKE');
  assert.equal(Boolean(cl.masterAuth?.clientKey), false, 'no client key, as GKE');
  assert.equal(cl.masterAuth?.clientCertificateConfig?.issueClientCertificate, false);
  assert.ok(cl.masterAuth?.clusterCaCertificate, 'the CA is still there');
  const [listed] = await c.listClusters({ parent: parent() }, call(TOKEN));
  assert.equal(Boolean(listed.clusters?.[0]?.masterAuth?.clientKey), false);

  assert.equal(await kubeGet(cl, TOKEN), 200, 'the emulator token is accepted');
  assert.equal(await kubeGet(cl), 401, 'no token: refused');
  assert.equal(await kubeGet(cl, 'ya29.wrong'), 401, 'another token: refused');
  // The token is kept for kube-apiserver in one private file, and nowhere else: not in the
  // emulator's state, not in kwokctl's config, not in any component's log.
  const holding = filesUnder(stateDir).filter((f) => fs.readFileSync(f).includes(TOKEN));
  assert.deepEqual(holding, [path.join(stateDir, 'kwok', 'token-auth.csv')]);
  assert.equal(fs.statSync(holding[0]!).mode & 0o777, 0o600);
});

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return filesUnder(p);
    return e.isFile() ? [p] : [];
  });
}

void test('after a restart with another token the cluster accepts the new one only', async () => {
  await emu.stop();
  emu = await emulator({ stateDir, controlPlane: 'kwok', requireAuth: ROTATED });
  await c.close();
  c = client(emu);
  const [cl] = await c.getCluster({ name: clusterName('bearer') }, call(ROTATED));
  assert.equal(cl.status, 'RUNNING');
  assert.equal(Boolean(cl.masterAuth?.clientKey), false);
  assert.equal(await kubeGet(cl, ROTATED), 200);
  assert.equal(await kubeGet(cl, TOKEN), 401, 'the old token is gone');
  assert.equal(await kubeGet(cl), 401);
});

void test('requireAuth true (any token) and no auth keep issuing the admin client certificate', () => {
  const record = {
    project: 'p',
    location: 'us-central1-a',
    cluster: 'c',
    pools: [],
    locations: ['us-central1-a'],
    access: {
      endpoint: '127.0.0.1:1',
      caData: 'Q0E=',
      clientCertData: 'Q0VSVA==',
      clientKeyData: 'S0VZ',
      acceptsToken: true,
    },
  } as unknown as ClusterRecord;
  for (const requireAuth of [true, false]) {
    const auth = toCluster(record, { requireAuth }).masterAuth as Record<string, unknown>;
    assert.equal(auth.clientCertificate, 'Q0VSVA==', String(requireAuth));
    assert.equal(auth.clientKey, 'S0VZ');
  }
  const bearer = toCluster(record, { requireAuth: 'tok' }).masterAuth as Record<string, unknown>;
  assert.equal(bearer.clientKey, '');
  // A control plane made before clusters took tokens keeps its certificate.
  const old = { ...record, access: { ...record.access, acceptsToken: undefined } } as unknown as ClusterRecord;
  assert.equal((toCluster(old, { requireAuth: 'tok' }).masterAuth as Record<string, unknown>).clientKey, 'S0VZ');
});
