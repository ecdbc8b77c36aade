// Issue 10: the registry client retries a failed request instead of failing the whole push
// attempt (a 5xx, a 408/429 or a dropped connection), and restarts a blob upload in a new session.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DistributionClient, type DistributionOptions } from '../../../src/clients/distribution';
import { startFlakyRegistry, type FlakyRegistry, type SeenRequest } from '../../helpers/flaky-registry';

const FAST: DistributionOptions['retry'] = { attempts: 4, baseMs: 5, capMs: 20, maxRetryAfterMs: 5000 };
const sha = (b: Buffer) => `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

void describe('registry client retries (issue 10, registry 5xx)', () => {
  let reg: FlakyRegistry;
  let waits: number;
  let client: DistributionClient;
  before(async () => {
    reg = await startFlakyRegistry();
  });
  after(async () => {
    await reg?.stop();
  });
  beforeEach(() => {
    waits = 0;
    reg.seen.length = 0;
    client = new DistributionClient({ base: reg.base, host: reg.address, name: 'p/r/app' }, 'destination', {
      retry: FAST,
      onWait: () => waits++,
    });
  });
  const count = (method: string, path?: RegExp) =>
    reg.seen.filter((r) => r.method === method && (!path || path.test(r.path))).length;
  const is = (method: string, path?: RegExp) => (r: SeenRequest) => r.method === method && (!path || path.test(r.path));

  void it('retries a manifest GET answered 503 twice, then returns the manifest', async () => {
    const body = Buffer.from('{"schemaVersion":2}');
    await client.putManifest('v1', body, MANIFEST);
    reg.fail(2, is('GET', /manifests/), 503);
    const got = await client.getManifest('v1');
    assert.equal(got.digest, sha(body));
    assert.equal(count('GET', /manifests/), 3);
    assert.ok(waits >= 2, `onWait (the heartbeat) was called while waiting: ${waits}`);
  });

  void it('retries a blob existence check after a dropped connection and a 500', async () => {
    reg.fail(1, is('HEAD'), 'reset');
    reg.fail(1, is('HEAD'), 500);
    assert.equal(await client.hasBlob(sha(Buffer.from('missing'))), false);
    assert.equal(count('HEAD'), 3);
  });

  void it('retries a manifest PUT answered 502 and an upload session start answered 429', async () => {
    reg.fail(1, is('PUT', /manifests/), 502);
    await client.putManifest('v2', Buffer.from('{"schemaVersion":2,"x":1}'), MANIFEST);
    assert.equal(count('PUT', /manifests/), 2);
    reg.fail(1, is('POST'), 429);
    const url = await client.mountOrStart(sha(Buffer.from('b')), undefined);
    assert.equal(typeof url, 'string');
    assert.equal(count('POST'), 2);
  });

  void it('retries a 408 (request timeout)', async () => {
    reg.fail(1, is('HEAD'), 408);
    assert.equal(await client.headManifest('v1'), sha(Buffer.from('{"schemaVersion":2}')));
    assert.equal(count('HEAD'), 2);
  });

  void it('waits at least what Retry-After asks on a 429', async () => {
    reg.fail(1, is('HEAD'), 429, { 'retry-after': '1' });
    const t0 = Date.now();
    await client.hasBlob(sha(Buffer.from('x')));
    assert.ok(Date.now() - t0 >= 950, `waited ${Date.now() - t0} ms`);
    assert.equal(count('HEAD'), 2);
  });

  void it('does not retry a 4xx other than 408/429', async () => {
    reg.fail(1, is('PUT', /manifests/), 400);
    await assert.rejects(client.putManifest('v3', Buffer.from('{}'), MANIFEST), { name: 'InvalidArgumentError' });
    assert.equal(count('PUT', /manifests/), 1);
    reg.fail(1, is('GET'), 403);
    await assert.rejects(client.getManifest('v1'), { name: 'PermissionDeniedError' });
    assert.equal(count('GET'), 1);
    reg.fail(1, is('GET'), 409);
    await assert.rejects(client.getManifest('v1'));
    assert.equal(count('GET'), 2, 'a 409 is not retried either');
  });

  void it('gives up after the policy’s attempts with a transient error naming the status', async () => {
    reg.fail(4, is('GET'), 503);
    await assert.rejects(client.getManifest('v1'), (e: Error & { context?: Record<string, unknown> }) => {
      assert.equal(e.name, 'TransientCloudError');
      assert.equal(e.context?.httpStatus, 503);
      return true;
    });
    assert.equal(count('GET'), 4);
  });

  /** A blob of `size` random bytes and a reader over it that counts what it served. */
  const source = (size: number) => {
    const bytes = crypto.randomBytes(size);
    const served = { bytes: 0 };
    const read = async (o: number, l: number) => {
      served.bytes += Math.min(l, size - o);
      return bytes.subarray(o, o + l);
    };
    return { bytes, digest: sha(bytes), read, served };
  };

  void it('restarts a streamed upload whose PATCH fails mid-way in a new session, from the first byte', async () => {
    const blob = source(3 * 1024 * 1024);
    const first = await client.mountOrStart(blob.digest, undefined);
    assert.equal(typeof first, 'string');
    reg.fail(1, is('PATCH'), 500);
    let progress = 0;
    await client.upload(first as string, blob.digest, blob.bytes.length, blob.read, 1024 * 1024, (n) => (progress = n));
    assert.deepEqual(reg.blobs.get(blob.digest), blob.bytes);
    assert.equal(progress, blob.bytes.length);
    assert.equal(count('POST'), 2, 'a new upload session, not a resumed one');
    const sessions = reg.seen.filter((r) => r.method === 'PATCH').map((r) => r.session);
    assert.equal(new Set(sessions).size, 2, `two sessions were streamed into: ${sessions.join(', ')}`);
  });

  void it('restarts an upload whose commit PUT answers 503, and one cut by a dropped connection', async () => {
    const small = source(1000);
    const url = await client.mountOrStart(small.digest, undefined);
    reg.fail(1, is('PUT', /uploads/), 503);
    await client.upload(url as string, small.digest, 1000, small.read, 1024 * 1024, () => undefined);
    assert.deepEqual(reg.blobs.get(small.digest), small.bytes);
    assert.equal(count('POST'), 2);

    const big = source(2 * 1024 * 1024 + 17);
    const url2 = await client.mountOrStart(big.digest, undefined);
    reg.fail(1, is('PATCH'), 'reset');
    await client.upload(url2 as string, big.digest, big.bytes.length, big.read, 1024 * 1024, () => undefined);
    assert.deepEqual(reg.blobs.get(big.digest), big.bytes);
  });

  void it('does not upload again a blob whose commit landed though its answer was lost', async () => {
    const blob = source(1000);
    const url = await client.mountOrStart(blob.digest, undefined);
    reg.fail(1, is('PUT', /uploads/), 'lost');
    const before = reg.committed.length;
    await client.upload(url as string, blob.digest, 1000, blob.read, 1024 * 1024, () => undefined);
    assert.deepEqual(reg.blobs.get(blob.digest), blob.bytes);
    assert.equal(reg.committed.length, before + 1, 'committed once');
    assert.equal(count('POST'), 1, 'no new session: the blob was found there');
  });

  void it('stops waiting at once when the activity is cancelled', async () => {
    const abort = new AbortController();
    const c = new DistributionClient({ base: reg.base, host: reg.address, name: 'p/r/app' }, 'destination', {
      retry: { attempts: 5, baseMs: 60_000, capMs: 60_000, maxRetryAfterMs: 60_000 },
      signal: abort.signal,
    });
    reg.fail(1, is('HEAD'), 503);
    const t0 = Date.now();
    setTimeout(() => abort.abort(new Error('cancelled')), 100);
    await assert.rejects(c.hasBlob(sha(Buffer.from('y'))));
    assert.ok(Date.now() - t0 < 5000, `stopped after ${Date.now() - t0} ms`);
    assert.equal(count('HEAD'), 1);
  });
});
