// The admin endpoint keeps web pages out: a loopback Host only (DNS rebinding), JSON-only
// changes (no form or text/plain POST), the --require-auth token, and a private state file.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { RunningEmulator } from '../../../src/emulator';
import { client, clusterName, emulator, parent, tempStateDir } from '../../helpers/emulator';

const running: RunningEmulator[] = [];
after(async () => {
  for (const e of running) await e.stop();
});

async function withCluster(o: Parameters<typeof emulator>[0] = {}): Promise<RunningEmulator> {
  const emu = await emulator(o);
  running.push(emu);
  const c = client(emu);
  const auth = typeof o.requireAuth === 'string' ? `Bearer ${o.requireAuth}` : undefined;
  const call = auth ? { otherArgs: { headers: { authorization: auth } } } : {};
  await c.createCluster({ parent: parent(), cluster: { name: 'keep' } }, call);
  await emu.idle();
  await c.close();
  return emu;
}

/** A raw HTTP request, so the test controls Host and content-type as a browser would send them. */
function request(
  emu: RunningEmulator,
  method: string,
  p: string,
  headers: Record<string, string> = {},
  body = '',
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: emu.adminPort, method, path: p, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const clusterCount = async (emu: RunningEmulator, headers: Record<string, string> = {}) =>
  (JSON.parse((await request(emu, 'GET', '/clusters', headers)).text) as { clusters: unknown[] }).clusters.length;

void test('a cross-site form POST to /reset is refused and wipes nothing', async () => {
  const emu = await withCluster();
  for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain']) {
    const res = await request(emu, 'POST', '/reset', { 'content-type': type }, 'a=b');
    assert.equal(res.status, 415, type);
  }
  assert.equal((await request(emu, 'POST', '/reset')).status, 415, 'no content type at all (no-cors fetch)');
  assert.equal(await clusterCount(emu), 1);
});

void test('/faults accepts only JSON, not text/plain', async () => {
  const emu = await withCluster();
  const rule = JSON.stringify({ rpc: 'GetCluster', code: 'UNAVAILABLE' });
  assert.equal((await request(emu, 'POST', '/faults', { 'content-type': 'text/plain' }, rule)).status, 415);
  assert.equal((await request(emu, 'GET', '/faults')).text.includes('GetCluster'), false);
  assert.equal((await request(emu, 'POST', '/faults', { 'content-type': 'application/json' }, rule)).status, 200);
});

void test('a request naming a non-loopback host (DNS rebinding) cannot read a kubeconfig or anything else', async () => {
  const emu = await withCluster();
  const q = `/kubeconfig?cluster=${encodeURIComponent(clusterName('keep'))}`;
  for (const host of ['evil.example', 'evil.example:8091', '127.0.0.1.nip.io']) {
    assert.equal((await request(emu, 'GET', q, { host })).status, 403, host);
    assert.equal((await request(emu, 'GET', '/clusters', { host })).status, 403, host);
  }
  for (const host of ['localhost', `127.0.0.1:${emu.adminPort}`, `localhost:${emu.adminPort}`])
    assert.equal((await request(emu, 'GET', '/clusters', { host })).status, 200, host);
});

void test('--require-auth covers the admin endpoint too', async () => {
  const emu = await withCluster({ requireAuth: 's3cret' });
  assert.equal((await request(emu, 'GET', '/clusters')).status, 401);
  assert.equal((await request(emu, 'GET', '/clusters', { authorization: 'Bearer wrong' })).status, 401);
  const json = { 'content-type': 'application/json' };
  assert.equal((await request(emu, 'POST', '/reset', json)).status, 401);
  assert.equal(await clusterCount(emu, { authorization: 'Bearer s3cret' }), 1);
  assert.equal((await request(emu, 'POST', '/reset', { ...json, authorization: 'Bearer s3cret' })).status, 200);
  assert.equal(await clusterCount(emu, { authorization: 'Bearer s3cret' }), 0);
});

void test('the state file, which holds every client key, is readable by its owner only', async () => {
  const stateDir = tempStateDir();
  const emu = await withCluster({ stateDir });
  await emu.stop();
  const mode = fs.statSync(path.join(stateDir, 'emulator.json')).mode & 0o777;
  assert.equal(mode.toString(8), '600');
});
