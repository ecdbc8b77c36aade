// The codec server for Temporal Cloud (issue 18, defect 6): https with a cert/key, a non-loopback
// allowed host and the Cloud UI's origin, refused without its bearer token (compared in constant time).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import { AesGcmPayloadCodec } from '../../../src/codec/aes-gcm-codec';
import { CodecServerOptionsError, startCodecServer, tokenMatches } from '../../../src/codec/codec-server';
import { parseKeyRing } from '../../../src/codec/keys';

const HOST = 'codec.example.internal';
const CLOUD = 'https://cloud.temporal.io';
const TOKEN = crypto.randomBytes(24).toString('hex');
let dir: string;
let cert: Buffer;
let server: Server;
const codec = new AesGcmPayloadCodec(parseKeyRing(`k:${crypto.randomBytes(32).toString('base64')}`, 'test'));

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codec-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${HOST}`,
      '-addext',
      `subjectAltName=DNS:${HOST}`,
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  cert = fs.readFileSync(path.join(dir, 'cert.pem'));
  server = await startCodecServer({
    codec,
    port: 0,
    uiOrigin: 'http://127.0.0.1:8233',
    allowedOrigins: [CLOUD],
    allowedHosts: [HOST],
    tls: { cert, key: fs.readFileSync(path.join(dir, 'key.pem')) },
    token: TOKEN,
  });
});
after(() => {
  server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** POST over TLS to 127.0.0.1 while the certificate and the Host header say HOST (as a proxy or /etc/hosts would). */
function post(p: string, headers: Record<string, string>): Promise<{ status: number; body: string; cors?: string }> {
  const port = (server.address() as { port: number }).port;
  const body = JSON.stringify({ payloads: [] });
  return new Promise((resolve, reject) =>
    https
      .request(
        {
          host: '127.0.0.1',
          port,
          path: p,
          method: 'POST',
          ca: cert,
          servername: HOST,
          headers: { host: `${HOST}:${port}`, 'content-type': 'application/json', ...headers },
        },
        (res) => {
          let b = '';
          res.on('data', (c: Buffer) => (b += c.toString()));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: b,
              cors: res.headers['access-control-allow-origin'] as string | undefined,
            }),
          );
        },
      )
      .on('error', reject)
      .end(body),
  );
}

void test('over TLS with a non-loopback allowed host, the Cloud UI decodes with the token', async () => {
  const ok = await post('/decode', { origin: CLOUD, authorization: `Bearer ${TOKEN}` });
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.cors, CLOUD);
  const inPath = await post(`/${TOKEN}/decode`, { origin: CLOUD });
  assert.equal(inPath.status, 200, 'the token as the endpoint path (what the UI can be given)');
});

void test('without its token, or with a wrong one, or from another origin, it refuses', async () => {
  assert.equal((await post('/decode', { origin: CLOUD })).status, 401);
  assert.equal((await post('/decode', { origin: CLOUD, authorization: `Bearer ${TOKEN}x` })).status, 401);
  assert.equal((await post('/wrong/decode', { origin: CLOUD })).status, 401);
  assert.equal(
    (await post('/decode', { origin: 'https://evil.example', authorization: `Bearer ${TOKEN}` })).status,
    403,
  );
});

void test('TLS or another host without a token does not start; tokens compare by value', async () => {
  await assert.rejects(
    startCodecServer({ codec, port: 0, uiOrigin: CLOUD, allowedHosts: [HOST] }),
    CodecServerOptionsError,
  );
  assert.ok(tokenMatches(TOKEN, TOKEN));
  assert.ok(!tokenMatches(`${TOKEN}0`, TOKEN));
  assert.ok(!tokenMatches(undefined, TOKEN));
});
