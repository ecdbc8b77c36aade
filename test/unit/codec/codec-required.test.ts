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
