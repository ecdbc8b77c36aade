// Required mode and weak keys (issue 18, defects 5 and 7): with a key configured, plaintext is
// refused both ways; weak or sloppy keys are refused; the stack's key goes to the stack's own
// Temporal only, not to any loopback one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, MissingKeyCodec, PlaintextPayloadError } from '../../../src/codec/aes-gcm-codec';
import { ensureLocalKeyFile, keyRingFromEnv, parseKeyRing } from '../../../src/codec/keys';
import { dataConverterFor, temporalConfig } from '../../../src/temporal/connection';
import { startCodecServer } from '../../../src/codec/codec-server';

const key = () => crypto.randomBytes(32).toString('base64');
const payload = () => defaultPayloadConverter.toPayload({ spec: 'x' });

void test('with a key, a plaintext payload is refused; encode never writes plaintext', async () => {
  const codec = new AesGcmPayloadCodec(parseKeyRing(`k:${key()}`, 'test'));
  await assert.rejects(codec.decode([payload()]), PlaintextPayloadError);
  const [sealed] = await codec.encode([payload()]);
  assert.notDeepEqual(sealed!.data, payload().data);
  const cfg = temporalConfig({ GKEFLOW_CODEC_KEY: `k:${key()}`, TEMPORAL_ADDRESS: 'tc.example:7233' });
  await assert.rejects(dataConverterFor(cfg).payloadCodecs![0]!.decode([payload()]), PlaintextPayloadError);
  const migrating = temporalConfig({ GKEFLOW_CODEC_KEY: `k:${key()}`, GKEFLOW_CODEC: 'accept-plain' });
  assert.deepEqual(await dataConverterFor(migrating).payloadCodecs![0]!.decode([payload()]), [payload()]);
});

void test('GKEFLOW_CODEC=required without a key is exit 2; an unknown mode is exit 2', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codec-req-'));
  assert.throws(
    () => keyRingFromEnv({ GKEFLOW_STATE_DIR: dir, GKEFLOW_CODEC: 'required' }, false),
    (e: Error & { exitCode?: number }) => e.exitCode === 2 && /GKEFLOW_CODEC=required/.test(e.message),
  );
  assert.throws(() => keyRingFromEnv({ GKEFLOW_CODEC: 'maybe' }, false), /GKEFLOW_CODEC=maybe/);
  assert.ok(keyRingFromEnv({ GKEFLOW_CODEC: 'required', GKEFLOW_CODEC_KEY: `k:${key()}` }, false));
  assert.ok(new MissingKeyCodec(), 'without a key and without required, payloads stay plain');
});

void test('weak keys are refused: all zero, one repeated byte, junk after the padding', () => {
  const zero = Buffer.alloc(32).toString('base64');
  assert.throws(() => parseKeyRing(`z:${zero}`, 'GKEFLOW_CODEC_KEY'), /weak key/);
  assert.throws(() => parseKeyRing(`z:${Buffer.alloc(32, 7).toString('base64')}`, 'x'), /weak key/);
  const k = key();
  assert.ok(k.endsWith('='));
  assert.throws(() => parseKeyRing(`j:${k}junk`, 'x'), /not <key-id>:<base64 of 32 bytes>/);
  assert.throws(() => parseKeyRing(`j:${k}=`, 'x'), /not <key-id>:<base64 of 32 bytes>/);
  assert.equal(parseKeyRing(`ok:${k}`, 'x').active.id, 'ok');
});

void test("the stack's key goes to the stack's own Temporal, not to any loopback one (port-forward)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codec-own-'));
  ensureLocalKeyFile(dir);
  const env = { GKEFLOW_STATE_DIR: dir, GKEFLOW_TEMPORAL_PORT: '17233' };
  // `kubectl port-forward` to a cluster's Temporal: loopback, but the stack is not running.
  assert.equal(temporalConfig({ ...env, TEMPORAL_ADDRESS: '127.0.0.1:17233' }).codecKeys, undefined);
  fs.mkdirSync(path.join(dir, 'run'));
  fs.writeFileSync(path.join(dir, 'run', 'temporal.json'), '{}');
  assert.ok(temporalConfig({ ...env, TEMPORAL_ADDRESS: '127.0.0.1:17233' }).codecKeys, 'the stack runs: its key');
  assert.ok(temporalConfig(env).codecKeys, 'the default address is the stack');
  assert.equal(
    temporalConfig({ ...env, TEMPORAL_ADDRESS: '127.0.0.1:7233' }).codecKeys,
    undefined,
    'another loopback port: not the stack',
  );
});

/** A payload as the codec server's JSON carries it. */
const wire = (p: { metadata?: Record<string, Uint8Array | null> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

void test("the codec server shows Temporal's by-design plaintext as it is and opens the sealed payloads of the same batch", async () => {
  const codec = new AesGcmPayloadCodec(parseKeyRing(`k:${key()}`, 'test'));
  const server = await startCodecServer({ codec, port: 0, uiOrigin: 'http://127.0.0.1:8233' });
  try {
    const [sealed] = await codec.encode([payload()]);
    // A patch marker's data (the patched() id) and a search attribute: json/plain by Temporal's design.
    const marker = wire(defaultPayloadConverter.toPayload('s4-app'));
    const attr = wire({
      ...defaultPayloadConverter.toPayload('asia-east1-a'),
      metadata: {
        ...defaultPayloadConverter.toPayload('asia-east1-a').metadata,
        type: Buffer.from('Keyword'),
      },
    });
    const post = (payloads: unknown[]) =>
      fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ payloads }),
      });
    const res = await post([marker, wire(sealed!), attr]);
    assert.equal(res.status, 200, await res.clone().text());
    const out = ((await res.json()) as { payloads: unknown[] }).payloads;
    assert.deepEqual(out[0], marker, 'the marker data comes back unchanged');
    assert.deepEqual(out[2], attr, 'the search attribute comes back unchanged');
    assert.deepEqual(out[1], wire(payload()), 'the sealed payload is opened');

    // A payload that claims to be sealed must still open: altered ciphertext is refused.
    const altered = wire(sealed!);
    altered.data = Buffer.from(Buffer.from(altered.data, 'base64').map((b, i) => (i === 20 ? b ^ 1 : b))).toString(
      'base64',
    );
    const bad = await post([marker, altered]);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /cannot decrypt/);
  } finally {
    server.close();
  }
  // The worker's and the CLI's codec keep refusing plaintext: a keyless writer's input never runs.
  await assert.rejects(codec.decode([payload()]), PlaintextPayloadError);
});
