// Any Temporal (issue 18, defects 3 and 4): the client certificate from TEMPORAL_TLS_CERT/KEY is
// merged into the profile's TLS (server CA and name kept), and the "no worker polls" check goes
// through the caller's connection and says when it cannot tell instead of swallowing the failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectionOptions, temporalConfig } from '../../../src/temporal/connection';
import { hasPoller, pollerWarning } from '../../../src/temporal/pollers';

void test("TEMPORAL_TLS_CERT/KEY keep the profile's server CA and server name", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-merge-'));
  const f = (n: string, s: string) => (fs.writeFileSync(path.join(dir, n), s), path.join(dir, n));
  const ca = f('ca.pem', 'CA-PEM');
  const toml = f(
    'temporal.toml',
    `[profile.secure]\naddress = "temporal.corp.example:7233"\n[profile.secure.tls]\nserver_ca_cert_path = "${ca}"\nserver_name = "frontend.corp"\n`,
  );
  const cfg = temporalConfig({
    TEMPORAL_CONFIG_FILE: toml,
    TEMPORAL_PROFILE: 'secure',
    TEMPORAL_TLS_CERT: f('c.pem', 'CERT'),
    TEMPORAL_TLS_KEY: f('k.pem', 'KEY'),
  });
  const tls = connectionOptions(cfg).tls as {
    serverNameOverride?: string;
    serverRootCACertificate?: Uint8Array;
    clientCertPair?: { crt: Buffer; key: Buffer };
  };
  assert.equal(tls.serverNameOverride, 'frontend.corp');
  assert.equal(Buffer.from(tls.serverRootCACertificate ?? []).toString(), 'CA-PEM');
  assert.equal(tls.clientCertPair?.crt.toString(), 'CERT');
  assert.equal(tls.clientCertPair?.key.toString(), 'KEY');
});

type Svc = Parameters<typeof hasPoller>[0];
const svc = (impl: () => Promise<unknown>, seen: unknown[] = []): Svc =>
  ({ workflowService: { describeTaskQueue: (req: unknown) => (seen.push(req), impl()) } }) as unknown as Svc;

void test('the poller check asks through the given connection and never swallows a failure', async () => {
  const seen: unknown[] = [];
  const none = svc(async () => ({ pollers: [] }), seen);
  assert.match((await pollerWarning(none, 'prod', 'q', 'npx gkeflow worker'))!, /no worker polls task queue q/);
  assert.deepEqual(seen[0], { namespace: 'prod', taskQueue: { name: 'q' }, taskQueueType: 1 });
  const polled = svc(async () => ({ pollers: [{ identity: '42@host' }] }));
  assert.equal(await pollerWarning(polled, 'prod', 'q', 'x'), undefined);
  assert.equal(await hasPoller(polled, 'prod', 'q', 42), true);
  assert.equal(await hasPoller(polled, 'prod', 'q', 7), false);
  const denied = svc(async () => Promise.reject(new Error('7 PERMISSION_DENIED: Request unauthorized.')));
  assert.match((await pollerWarning(denied, 'prod', 'q', 'x'))!, /cannot tell .* PERMISSION_DENIED/);
});
