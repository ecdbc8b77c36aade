// The payload codec: AES-256-GCM with the key id in each payload (keys rotate), keys from a
// file or env (the local stack's by default on loopback), and the codec server the Web UI calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  AesGcmPayloadCodec,
  KEY_ID_METADATA,
  MissingKeyCodec,
  PayloadDecryptionError,
} from '../../../src/codec/aes-gcm-codec';
import { startCodecServer } from '../../../src/codec/codec-server';
import { ensureLocalKeyFile, keyRingFromEnv, parseKeyRing } from '../../../src/codec/keys';
import { parseSpec, SpecValidationError } from '../../../src/envspec';
import { dataConverterFor, temporalConfig } from '../../../src/temporal/connection';

const entry = (id: string) => `${id}:${crypto.randomBytes(32).toString('base64')}`;
const SECRET = 'hunter2-password-value';
const payload = () => defaultPayloadConverter.toPayload({ env: { DB_PASSWORD: SECRET } });

void test('a payload is sealed with the first key, names it, and holds no plaintext', async () => {
  const codec = new AesGcmPayloadCodec(parseKeyRing(`${entry('k2')}\n${entry('k1')}`, 'test'));
  const [sealed] = await codec.encode([payload()]);
  assert.equal(Buffer.from(sealed!.metadata![KEY_ID_METADATA]!).toString(), 'k2');
  assert.equal(Buffer.from(sealed!.data!).includes(SECRET), false);
  assert.deepEqual(defaultPayloadConverter.fromPayload((await codec.decode([sealed!]))[0]!), {
    env: { DB_PASSWORD: SECRET },
  });
});

void test('keys rotate: a payload sealed with an old key still opens once a new key comes first', async () => {
  const old = entry('2026-01');
  const sealed = await new AesGcmPayloadCodec(parseKeyRing(old, 'test')).encode([payload()]);
  const rotated = new AesGcmPayloadCodec(parseKeyRing(`${entry('2026-02')},${old}`, 'test'));
  assert.deepEqual(defaultPayloadConverter.fromPayload((await rotated.decode(sealed))[0]!), {
    env: { DB_PASSWORD: SECRET },
  });
  const stranger = new AesGcmPayloadCodec(parseKeyRing(entry('2026-02'), 'test'));
  await assert.rejects(stranger.decode(sealed), PayloadDecryptionError);
  const [p] = sealed;
  const tampered = { ...p!, data: Buffer.from(p!.data!).map((b, i) => (i === 20 ? b ^ 1 : b)) };
  await assert.rejects(rotated.decode([tampered]), PayloadDecryptionError);
  // Payloads written before encryption was turned on still read, in accept-plain (migration) mode.
  const migrating = new AesGcmPayloadCodec(parseKeyRing(old, 'test'), { acceptPlain: true });
  assert.deepEqual(await migrating.decode([payload()]), [payload()]);
});

void test('a malformed key ring is a usage error that never echoes the key', () => {
  const bad = 'k1:c2hvcnQ='; // 5 bytes
  assert.throws(
    () => parseKeyRing(bad, 'GKEFLOW_CODEC_KEY'),
    (e: Error & { exitCode?: number }) => e.message.includes('GKEFLOW_CODEC_KEY') && !e.message.includes('c2hvcnQ'),
  );
  assert.throws(() => parseKeyRing(`${entry('a')},${entry('a')}`, 'x'), /twice/);
});

void test('keys come from a file, the env, or the local stack’s key file on loopback only; off turns them off', () => {
  const dir = fs.mkdtempSync(path.join(process.env.GKEFLOW_TEST_TMP ?? os.tmpdir(), 'codec-'));
  assert.equal(keyRingFromEnv({ GKEFLOW_STATE_DIR: dir }, true), undefined, 'no key yet: plain');
  const file = ensureLocalKeyFile(dir);
  assert.equal((fs.statSync(file).mode & 0o777).toString(8), '600');
  const before = fs.readFileSync(file, 'utf8');
  ensureLocalKeyFile(dir);
  assert.equal(fs.readFileSync(file, 'utf8'), before, 'an existing key is kept');
  assert.ok(keyRingFromEnv({ GKEFLOW_STATE_DIR: dir }, true));
  assert.equal(keyRingFromEnv({ GKEFLOW_STATE_DIR: dir }, false), undefined, 'a remote Temporal: not the local key');
  assert.equal(keyRingFromEnv({ GKEFLOW_STATE_DIR: dir, GKEFLOW_CODEC: 'off' }, true), undefined);
  assert.equal(keyRingFromEnv({ GKEFLOW_CODEC_KEY: entry('inline') }, false)?.active.id, 'inline');
  assert.equal(keyRingFromEnv({ GKEFLOW_CODEC_KEY_FILE: file }, false)?.active.id.startsWith('local-'), true);
  // The stack's own Temporal: its state dir records it running (as `stack up` does).
  fs.mkdirSync(path.join(dir, 'run'));
  fs.writeFileSync(path.join(dir, 'run', 'temporal.json'), '{}');
  const cfg = temporalConfig({ GKEFLOW_STATE_DIR: dir });
  assert.ok(dataConverterFor(cfg).payloadCodecs?.[0] instanceof AesGcmPayloadCodec, 'client, worker, CLI encrypt');
  const remote = dataConverterFor(temporalConfig({ GKEFLOW_STATE_DIR: dir, TEMPORAL_ADDRESS: 'tc.example:7233' }));
  assert.ok(remote.payloadCodecs?.[0] instanceof MissingKeyCodec, 'a remote Temporal: plain payloads');
});

async function post(server: http.Server, p: string, body: string, headers: Record<string, string>) {
  const port = (server.address() as { port: number }).port;
  const res = await fetch(`http://127.0.0.1:${port}${p}`, { method: 'POST', body, headers });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}

void test('the codec server decodes for the Web UI (CORS for its origin only) and refuses forms and other hosts', async () => {
  const codec = new AesGcmPayloadCodec(parseKeyRing(entry('k'), 'test'));
  const ui = 'http://127.0.0.1:8233';
  const server = await startCodecServer({ codec, port: 0, uiOrigin: ui });
  try {
    const [sealed] = await codec.encode([payload()]);
    const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
    const wire = {
      payloads: [
        {
          metadata: Object.fromEntries(Object.entries(sealed!.metadata!).map(([k, v]) => [k, b64(v)])),
          data: b64(sealed!.data!),
        },
      ],
    };
    const json = { 'content-type': 'application/json', origin: ui, 'x-namespace': 'default' };
    const res = await post(server, '/decode', JSON.stringify(wire), json);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), ui);
    const [out] = res.json.payloads as Array<{ data: string }>;
    assert.ok(Buffer.from(out!.data, 'base64').toString().includes(SECRET));
    const enc = await post(server, '/encode', JSON.stringify(res.json), json);
    const [again] = enc.json.payloads as Array<{ data: string }>;
    assert.equal(Buffer.from(again!.data, 'base64').toString().includes(SECRET), false);

    const evil = await post(server, '/decode', JSON.stringify(wire), { ...json, origin: 'http://evil.example' });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    assert.equal((await post(server, '/decode', JSON.stringify(wire), { 'content-type': 'text/plain' })).status, 415);
    const port = (server.address() as { port: number }).port;
    const rebound = await new Promise<number>((resolve, reject) =>
      http
        .request({
          port,
          host: '127.0.0.1',
          method: 'POST',
          path: '/decode',
          headers: { ...json, host: 'evil.example' },
        })
        .on('response', (r) => resolve(r.statusCode ?? 0))
        .on('error', reject)
        .end(JSON.stringify(wire)),
    );
    assert.equal(rebound, 403, 'DNS rebinding: another host name');
  } finally {
    server.close();
  }
});

void test('a spec names secretFrom as env:VAR or file:PATH; anything else is a problem naming the field', () => {
  const spec = (env: Record<string, unknown>) =>
    fs
      .readFileSync(path.join(__dirname, '..', '..', '..', 'examples', 'tensorflow-notebook.yaml'), 'utf8')
      .replace(/(\n\s+image: \$image[^\n]*\n)/, `$1      env: ${JSON.stringify(env)}\n`);
  const ok = parseSpec(spec({ MODE: 'x', TOKEN: { secretFrom: 'env:API_TOKEN' } }));
  assert.deepEqual(ok.deployment!.containers[0]!.env, { MODE: 'x', TOKEN: { secretFrom: 'env:API_TOKEN' } });
  assert.throws(
    () => parseSpec(spec({ TOKEN: { secretFrom: 'vault:x' } })),
    (e: Error) => e instanceof SpecValidationError && /env\.TOKEN/.test(e.message) && /env:<VARIABLE>/.test(e.message),
  );
  assert.throws(() => parseSpec(spec({ TOKEN: { secretFrom: 'env:A', value: 'b' } })), SpecValidationError);
});

void test('without a key, payloads stay plain and an encrypted one is a usage error naming the key variables', async () => {
  const none = new MissingKeyCodec();
  assert.deepEqual(await none.encode([payload()]), [payload()]);
  assert.deepEqual(await none.decode([payload()]), [payload()]);
  const sealed = await new AesGcmPayloadCodec(parseKeyRing(entry('k9'), 'test')).encode([payload()]);
  await assert.rejects(
    none.decode(sealed),
    (e: Error & { exitCode?: number }) =>
      e.exitCode === 2 && /k9/.test(e.message) && /GKEFLOW_CODEC_KEY_FILE/.test(e.message),
  );
});
