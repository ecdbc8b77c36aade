// The stack's Web UI decodes payloads for the token holder only (issue 18): the real dev server's
// embedded UI behind the codec server's front, a run whose input is encrypted, a real browser.
// Without the login the codec answers 401 and the UI cannot decode; after the login with the token
// the run's input shows in clear.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type http from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { AesGcmPayloadCodec } from '../../../src/codec/aes-gcm-codec';
import { ensureLocalTokenFile, parseKeyRing } from '../../../src/codec/keys';
import { CODEC_PATH, startUiFront } from '../../../src/codec/ui-front';
import { ENVIRONMENT_WORKFLOW } from '../../../src/contract/messages';
import { freePort, stopProcess } from '../../../src/process/process';
import { startTemporalServer } from '../../../src/stack/temporal-server';
import { dataConverterFor } from '../../../src/temporal/connection';
import { ensureToolchain } from '../../../src/toolchain/toolchain';
import { uniqueTaskQueue } from '../../helpers/temporal';
import { chromiumPath, launchBrowser, loopbackPage, NO_CHROMIUM } from '../../helpers/web-ui';

const browserPath = chromiumPath();
const MARKER = `decoded-in-the-browser-${crypto.randomBytes(4).toString('hex')}`;
let dir: string;
let pid: number | undefined;
let front: http.Server | undefined;
let frontUrl: string;
let backendUrl: string;
let token: string;
let runPath: string;
let rawHistory: Buffer;

before(async () => {
  if (!browserPath) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-ui-token-'));
  const tc = await ensureToolchain({ only: ['temporal'] });
  const [port, uiPort, backendPort] = [await freePort(), await freePort(), await freePort()];
  frontUrl = `http://127.0.0.1:${uiPort}`;
  backendUrl = `http://127.0.0.1:${backendPort}`;
  // As the stack starts it: the UI behind the front, its codec endpoint the front's (no secret in it).
  pid = await startTemporalServer(
    {
      binary: tc.temporal,
      port,
      uiPort: backendPort,
      dbFile: path.join(dir, 'temporal.db'),
      uiCodecEndpoint: `${frontUrl}${CODEC_PATH}`,
      logFile: path.join(dir, 'temporal.log'),
      detached: false,
    },
    120_000,
  );
  const ring = parseKeyRing(`k1:${crypto.randomBytes(32).toString('base64')}`, 'test');
  const tokenFile = ensureLocalTokenFile(dir);
  token = fs.readFileSync(tokenFile, 'utf8').trim();
  front = await startUiFront({
    codec: new AesGcmPayloadCodec(ring),
    port: uiPort,
    backend: backendUrl,
    token,
    tokenFile,
  });
  // A run whose input is sealed; no worker needs to pick it up for the UI to show its input.
  const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
  try {
    const client = new Client({ connection, dataConverter: dataConverterFor({ codecKeys: ring }) });
    const id = `gkeflow/ui-token-${process.pid}/us-central1/c1`;
    const h = await client.workflow.start(ENVIRONMENT_WORKFLOW, {
      workflowId: id,
      taskQueue: uniqueTaskQueue('ui-token'),
      args: [{ note: MARKER }],
    });
    runPath = `/namespaces/default/workflows/${encodeURIComponent(id)}/${h.firstExecutionRunId}/history`;
    // Closed, so its page stops polling (a running run's page never goes network-idle).
    await h.terminate('test: only its input matters');
    rawHistory = Buffer.from(temporal.api.history.v1.History.encode(await h.fetchHistory()).finish());
  } finally {
    await connection.close();
  }
});
after(async () => {
  front?.close();
  if (pid) await stopProcess(pid);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

void test(
  "the stack's Web UI decodes a run's encrypted input only after the login with the codec token",
  { skip: browserPath ? false : NO_CHROMIUM, timeout: 300_000 },
  async () => {
    assert.equal(rawHistory.includes(MARKER), false, 'the history holds ciphertext only');
    const decode = (headers: Record<string, string>) =>
      fetch(`${frontUrl}${CODEC_PATH}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ payloads: [] }),
      });
    assert.equal((await decode({})).status, 401, 'no token: refused');
    assert.equal((await decode({ authorization: 'Bearer wrong-token-wrong-token' })).status, 401, 'wrong token');
    const settings = await (await fetch(`${backendUrl}/api/v1/settings`)).text();
    assert.equal(settings.includes(token), false, "the UI's public settings do not hold the token");

    const b = await launchBrowser(browserPath!);
    try {
      const page = await loopbackPage(b);
      // The dev server's own UI, reached directly: it shows the run, but its codec calls are refused.
      let decodedOk = 0;
      page.on('response', (r) => {
        if (r.url().endsWith(`${CODEC_PATH}/decode`) && r.status() === 200) decodedOk++;
      });
      await page.goto(`${backendUrl}${runPath}`, { waitUntil: 'load', timeout: 60_000 });
      // The Input card is in the page (collapsed: attached, not visible).
      await page.getByText('Input', { exact: false }).first().waitFor({ state: 'attached', timeout: 60_000 });
      await page.waitForTimeout(3000); // a decode would have landed by now
      assert.equal(decodedOk, 0, 'no decode succeeded without the login');
      assert.equal((await page.content()).includes(MARKER), false, 'not decoded without the login');

      await page.goto(`${frontUrl}${runPath}`, { waitUntil: 'load', timeout: 60_000 });
      assert.match(page.url(), /\/gkeflow\/login\?next=/, 'the front asks for the token first');
      await page.fill('input[name=token]', 'not-the-token');
      await page.click('button[type=submit]');
      await page.getByText('That is not the token').waitFor({ timeout: 30_000 });
      // The browser's own call to the codec under the UI's origin answers with the opened input.
      const decoded = page.waitForResponse(
        async (r) => {
          if (!r.url().endsWith(`${CODEC_PATH}/decode`) || r.status() !== 200) return false;
          const body = (await r.json()) as { payloads: Array<{ data?: string }> };
          return body.payloads.some((p) =>
            Buffer.from(p.data ?? '', 'base64')
              .toString()
              .includes(MARKER),
          );
        },
        { timeout: 90_000 },
      );
      await page.fill('input[name=token]', token);
      await page.click('button[type=submit]');
      await page.waitForURL((u) => u.pathname === runPath.split('?')[0], { timeout: 60_000 });
      await decoded;
      // The page holds the decoded input (its Input card may be collapsed: in the DOM, not visible).
      let html = '';
      for (let i = 0; i < 30 && !html.includes(MARKER); i++) {
        html = await page.content();
        if (!html.includes(MARKER)) await page.waitForTimeout(1000);
      }
      assert.ok(html.includes(MARKER), 'the input shows decoded');
      const cookies = await page.context().cookies(frontUrl);
      const session = cookies.find((c) => c.name === 'gkeflow-codec-session');
      assert.ok(session?.httpOnly, 'an HttpOnly session cookie');
      assert.notEqual(session.value, token, 'the cookie is not the token');
    } finally {
      await b.close();
    }
  },
);
