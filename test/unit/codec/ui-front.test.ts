// The local stack's Web UI front (issue 18): the codec under the UI's origin answers only a browser
// that logged in with the token (a session cookie) or a caller with the bearer token; the UI behind
// it is proxied without ever seeing the session cookie.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from '../../../src/codec/aes-gcm-codec';
import { parseKeyRing } from '../../../src/codec/keys';
import { LOGIN_PATH, SESSION_COOKIE, startUiFront } from '../../../src/codec/ui-front';

const TOKEN = crypto.randomBytes(32).toString('hex');
const SECRET = 'decoded-only-for-the-token-holder';
const codec = new AesGcmPayloadCodec(parseKeyRing(`k:${crypto.randomBytes(32).toString('base64')}`, 'test'));
let backend: http.Server;
let front: http.Server;
let base: string;
const seenByBackend: http.IncomingHttpHeaders[] = [];

before(async () => {
  backend = http.createServer((req, res) => {
    seenByBackend.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': '_csrf=abc; Path=/' });
    res.end(`backend ${req.method} ${req.url}`);
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  front = await startUiFront({
    codec,
    port: 0,
    backend: `http://127.0.0.1:${(backend.address() as { port: number }).port}`,
    token: TOKEN,
    tokenFile: '/state/codec.token',
  });
  base = `http://127.0.0.1:${(front.address() as { port: number }).port}`;
});
after(() => {
  front?.close();
  backend?.close();
});

async function sealedBody(): Promise<string> {
  const [p] = await codec.encode([defaultPayloadConverter.toPayload({ spec: SECRET })]);
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
  return JSON.stringify({
    payloads: [
      { metadata: Object.fromEntries(Object.entries(p!.metadata!).map(([k, v]) => [k, b64(v!)])), data: b64(p!.data!) },
    ],
  });
}

const decode = async (headers: Record<string, string>) =>
  fetch(`${base}/codec/decode`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: await sealedBody(),
  });

const login = (token: string) =>
  fetch(`${base}${LOGIN_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, next: '/namespaces/default/workflows' }).toString(),
    redirect: 'manual',
  });

void test('POST /codec/decode without the token, with a wrong one or a wrong session is 401', async () => {
  assert.equal((await decode({})).status, 401);
  assert.equal((await decode({ authorization: `Bearer ${TOKEN.slice(1)}x` })).status, 401);
  assert.equal((await decode({ cookie: `${SESSION_COOKIE}=${TOKEN}` })).status, 401, 'the token is not the session');
  assert.equal((await decode({ cookie: `${SESSION_COOKIE}=forged` })).status, 401);
  const wrong = await login('not-the-token');
  assert.equal(wrong.status, 401);
  assert.equal(wrong.headers.get('set-cookie'), null);
  assert.match(await wrong.text(), /That is not the token/);
});

void test('with the bearer token, or after a login with it, /codec/decode opens the payloads', async () => {
  const bearer = await decode({ authorization: `Bearer ${TOKEN}` });
  assert.equal(bearer.status, 200);
  assert.ok(
    JSON.stringify(await bearer.json()).includes(Buffer.from(JSON.stringify({ spec: SECRET })).toString('base64')),
  );

  const ok = await login(TOKEN);
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get('location'), '/namespaces/default/workflows');
  const setCookie = ok.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  assert.equal(setCookie.includes(TOKEN), false, 'the cookie is not the token');
  const cookie = setCookie.split(';')[0]!;
  const res = await decode({ cookie });
  assert.equal(res.status, 200);
});

void test('pages go to the login form without a session; with it the UI behind answers, never seeing the session', async () => {
  const page = await fetch(`${base}/namespaces/default/workflows?x=1`, {
    headers: { accept: 'text/html' },
    redirect: 'manual',
  });
  assert.equal(page.status, 303);
  assert.equal(
    page.headers.get('location'),
    `${LOGIN_PATH}?next=${encodeURIComponent('/namespaces/default/workflows?x=1')}`,
  );
  const form = await (await fetch(`${base}${LOGIN_PATH}`)).text();
  assert.match(form, /\/state\/codec\.token/, 'the form names the token file');
  assert.equal(form.includes(TOKEN), false);
  assert.equal((await fetch(`${base}/api/v1/settings`)).status, 401);

  const cookie = (await login(TOKEN)).headers.get('set-cookie')!.split(';')[0]!;
  const proxied = await fetch(`${base}/api/v1/settings`, { headers: { cookie: `_csrf=abc; ${cookie}` } });
  assert.equal(proxied.status, 200);
  assert.equal(await proxied.text(), 'backend GET /api/v1/settings');
  assert.equal(proxied.headers.get('set-cookie'), '_csrf=abc; Path=/', "the UI's own cookies pass");
  const last = seenByBackend.at(-1)!;
  assert.equal(last.cookie, '_csrf=abc', 'the UI behind never sees the session cookie');
});

void test('an open redirect after login or another Host name is refused', async () => {
  const res = await fetch(`${base}${LOGIN_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: TOKEN, next: '//evil.example/' }).toString(),
    redirect: 'manual',
  });
  assert.equal(res.headers.get('location'), '/');
  const port = (front.address() as { port: number }).port;
  const status = await new Promise<number>((resolve, reject) =>
    http
      .get({ host: '127.0.0.1', port, path: '/', headers: { host: 'evil.example' } }, (r) => resolve(r.statusCode ?? 0))
      .on('error', reject),
  );
  assert.equal(status, 403);
});
