/**
 * A demo container's environment as the kubelet gives it (src/emulator/dataplane/container-env.ts):
 * image Env, then envFrom, then env with $(VAR) expansion and valueFrom; what is missing and not
 * optional stops the container.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { ContainerConfigError, containerEnv, expandEnvRefs } from '../../../src/emulator/dataplane/container-env';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const configMaps: Record<string, Record<string, string>> = {
  'preview/web-config': { GREETING: 'hello', 'not valid!': 'x', MODE: 'cm' },
};
const secrets: Record<string, Record<string, string>> = {
  'preview/web-secret': { TOKEN: b64('s3cret'), MODE: b64('secret') },
};
const sources = {
  configMap: async (ns: string, name: string) => configMaps[`${ns}/${name}`],
  secret: async (ns: string, name: string) => secrets[`${ns}/${name}`],
};
const pod: V1Pod = {
  metadata: { name: 'web-5d8f-abcde', namespace: 'preview', uid: 'u-1', labels: { app: 'web' } },
  spec: { nodeName: 'gke-node-a0', containers: [] },
  status: { podIP: '10.0.0.7' },
};
const run = (c: Partial<V1Container>) =>
  containerEnv(pod, { name: 'web', ...c }, ['PORT=8888', 'DEMO_VARIANT=v1'], sources);

void test('gives envFrom (with prefix), then env literals, valueFrom and fieldRefs, over the image Env', async () => {
  const env = await run({
    envFrom: [{ configMapRef: { name: 'web-config' } }, { secretRef: { name: 'web-secret' }, prefix: 'S_' }],
    env: [
      { name: 'PORT', value: '9000' },
      { name: 'URL', value: 'http://$(POD_IP):$(PORT)/$(NOPE) $$(PORT)' },
      { name: 'GREETING_TOO', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'GREETING' } } },
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'web-secret', key: 'TOKEN' } } },
      { name: 'MISSING_OK', valueFrom: { secretKeyRef: { name: 'web-secret', key: 'nope', optional: true } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    ],
  });
  assert.deepEqual(Object.fromEntries(env), {
    PORT: '9000',
    DEMO_VARIANT: 'v1',
    GREETING: 'hello',
    MODE: 'cm',
    S_TOKEN: 's3cret',
    S_MODE: 'secret',
    URL: 'http://$(POD_IP):9000/$(NOPE) $(PORT)',
    GREETING_TOO: 'hello',
    TOKEN: 's3cret',
    POD_NAME: 'web-5d8f-abcde',
    POD_NAMESPACE: 'preview',
    APP: 'web',
    NODE: 'gke-node-a0',
  });
});

void test('a later envFrom source and env entry replace earlier ones', async () => {
  const env = await run({
    envFrom: [{ configMapRef: { name: 'web-config' } }, { secretRef: { name: 'web-secret' } }],
    env: [{ name: 'MODE', value: 'literal' }],
  });
  assert.equal(env.get('TOKEN'), 's3cret');
  assert.equal(env.get('MODE'), 'literal');
});

void test('a missing ConfigMap, Secret or key stops the container unless optional', async () => {
  await assert.rejects(run({ envFrom: [{ configMapRef: { name: 'gone' } }] }), (e: unknown) => {
    assert.ok(e instanceof ContainerConfigError);
    assert.equal(e.message, 'configmap "gone" not found');
    return true;
  });
  await assert.rejects(
    run({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'web-secret', key: 'nope' } } }] }),
    /couldn't find key nope in Secret preview\/web-secret/,
  );
  await assert.rejects(
    run({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }] }),
    /secret "gone" not found/,
  );
  const env = await run({ envFrom: [{ secretRef: { name: 'gone', optional: true } }] });
  assert.deepEqual(Object.fromEntries(env), { PORT: '8888', DEMO_VARIANT: 'v1' });
});

void test('a missing-value error never carries a Secret value', async () => {
  await assert.rejects(
    run({
      envFrom: [{ secretRef: { name: 'web-secret' } }],
      env: [{ name: 'Y', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'absent' } } }],
    }),
    (e: Error) => !e.message.includes('s3cret'),
  );
});

void test('expands $(VAR) as the kubelet does', () => {
  const env = new Map([['A', 'x']]);
  assert.equal(expandEnvRefs('$(A)-$(B)-$$(A)-$$-$', env), 'x-$(B)-$(A)-$-$');
});
