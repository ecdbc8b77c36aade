// Secrets stay out of readable history: with the payload codec, the raw history (what anyone
// with Temporal access reads) holds only ciphertext; decoded with the key it shows a plain env
// value, but a `secretFrom` value is nowhere: the worker reads it into a Kubernetes Secret and
// the Deployment references it (secretKeyRef).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { deploymentManifest } from '../../../src/activities/kube-manifests';
import { secretEnvActivities } from '../../../src/activities/secret-env';
import type { ApplyDeploymentInput } from '../../../src/contract/workload-io';
import { AesGcmPayloadCodec, decodeForDisplay } from '../../../src/codec/aes-gcm-codec';
import { parseKeyRing } from '../../../src/codec/keys';
import { dataConverterFor } from '../../../src/temporal/connection';

import { startRunning, stubActivities, testInput, withWorker } from '../../helpers/workflows';

const PLAIN = 'plain-visible-value-4711';
const SECRET = 'db-password-never-in-history-0815';

/** A Kubernetes API server just big enough for a server-side apply; keeps what was applied. */
async function fakeKube(applied: Array<{ path: string; body: Record<string, unknown> }>) {
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET' && req.url?.startsWith('/api/v1')) {
        res.end(
          JSON.stringify({
            kind: 'APIResourceList',
            groupVersion: 'v1',
            resources: [
              { name: 'secrets', kind: 'Secret', namespaced: true, verbs: ['patch'] },
              { name: 'namespaces', kind: 'Namespace', namespaced: false, verbs: ['patch'] },
            ],
          }),
        );
        return;
      }
      applied.push({ path: req.url ?? '', body: JSON.parse(body) as Record<string, unknown> });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      { name: 'fake', server: `http://127.0.0.1:${(server.address() as { port: number }).port}`, skipTLSVerify: true },
    ],
    users: [{ name: 'fake', token: 'fake' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  return { kc, close: () => server.close() };
}

/**
 * Every payload in a history (workflow and activity inputs, results, queries' answers, memo, and
 * the search attributes and patch markers' data Temporal writes in plaintext by design).
 */
function payloadsIn(v: unknown, out: Payload[] = []): Payload[] {
  if (!v || typeof v !== 'object') return out;
  const o = v as Record<string, unknown>;
  if (o.data instanceof Uint8Array && o.metadata && typeof o.metadata === 'object') out.push(o as Payload);
  else for (const x of Object.values(o)) payloadsIn(x, out);
  return out;
}

void test('history holds ciphertext only; decoded it shows plain env values but never a secretFrom value', async () => {
  const ring = parseKeyRing(`k1:${crypto.randomBytes(32).toString('base64')}`, 'test');
  const codec = new AesGcmPayloadCodec(ring);
  const applied: Array<{ path: string; body: Record<string, unknown> }> = [];
  const kube = await fakeKube(applied);
  const stub = stubActivities();
  const secrets = secretEnvActivities({ kubeFor: async () => kube.kc, environment: { TEST_DB_PASSWORD: SECRET } });
  stub.activities.applySecretEnv = secrets.applySecretEnv;
  const input = testInput((d) => {
    d.steps = [];
    const c = (d.deployment as { containers: Array<Record<string, unknown>> }).containers[0]!;
    c.env = { PLAIN_SETTING: PLAIN, DB_PASSWORD: { secretFrom: 'env:TEST_DB_PASSWORD' } };
  });
  try {
    const history = await withWorker(
      stub,
      async ({ client, taskQueue }) => {
        const h = await startRunning(client, taskQueue, input);
        const events = await h.fetchHistory();
        await h.terminate('test done');
        return events;
      },
      { dataConverter: dataConverterFor({ codecKeys: ring }) },
    );
    const raw = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    assert.equal(raw.includes(PLAIN), false, 'without the key: no plain value');
    assert.equal(raw.includes(SECRET), false, 'without the key: no secret');
    assert.equal(raw.includes('env:TEST_DB_PASSWORD'), false, 'inputs are ciphertext');
    const decoded = Buffer.concat(
      (await decodeForDisplay(codec, payloadsIn(history))).map((p) =>
        Buffer.from(temporal.api.common.v1.Payload.encode(p).finish()),
      ),
    );
    assert.equal(decoded.includes(PLAIN), true, 'with the key: the plain env value is there');
    assert.equal(decoded.includes('env:TEST_DB_PASSWORD'), true, 'with the key: the secret reference is there');
    assert.equal(decoded.includes(SECRET), false, 'with the key: the secret value is still nowhere');

    const secret = applied.find((a) => a.body.kind === 'Secret');
    assert.ok(secret, 'the Secret was applied');
    assert.equal(
      Buffer.from((secret.body.data as Record<string, string>)['notebook.DB_PASSWORD']!, 'base64').toString(),
      SECRET,
    );
    const dep = deploymentManifest(stub.inputs.applyDeployment![0] as ApplyDeploymentInput);
    const env = dep.spec!.template.spec!.containers[0]!.env!;
    assert.deepEqual(
      env.find((e) => e.name === 'PLAIN_SETTING'),
      { name: 'PLAIN_SETTING', value: PLAIN },
    );
    assert.deepEqual(
      env.find((e) => e.name === 'DB_PASSWORD'),
      {
        name: 'DB_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'rc-node-gkeflow-env', key: 'notebook.DB_PASSWORD' } },
      },
    );
  } finally {
    kube.close();
  }
});

void test('a secretFrom source the worker lacks fails the step naming the variable, not a value', async () => {
  const secrets = secretEnvActivities({ kubeFor: () => Promise.reject(new Error('not reached')), environment: {} });
  await assert.rejects(
    secrets.applySecretEnv({
      env: { id: 'gkeflow/p/l/c', project: 'p', location: 'l', cluster: 'c' },
      namespace: 'default',
      deployment: 'web',
      labels: {},
      sources: { 'app.TOKEN': 'env:MISSING_TOKEN' },
    }),
    (e: Error) => e.name === 'InvalidArgumentError' && /MISSING_TOKEN/.test(e.message),
  );
});
