// Issue 10, defect 6: the registry client against a hostile registry (an in-process HTTP server
// answering whatever each test scripts).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { registryActivities } from '../../../src/activities/registry';
import type { EnvRef } from '../../../src/contract/environment-id';
import type { TargetConfig } from '../../../src/clients/config';
import { DistributionClient } from '../../../src/clients/distribution';
import { registryReader } from '../../../src/clients/registry-reader';
import { MEDIA, sha256 } from '../../../src/image/oci';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry-server';

type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A registry that answers from `routes` (keyed by `METHOD path`), 404 otherwise; records every request. */
async function hostile(routes: Record<string, Route>, host = '127.0.0.1') {
  const seen: Array<{ method: string; path: string; authorization?: string }> = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization });
    const route = routes[`${req.method} ${(req.url ?? '').split('?')[0]}`];
    if (route) route(req, res);
    else res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NOT_FOUND"}]}');
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  const address = `${host}:${(server.address() as AddressInfo).port}`;
  return { address, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const json =
  (body: Buffer, mediaType: string): Route =>
  (req, res) =>
    res
      .writeHead(200, { 'content-type': mediaType, 'content-length': String(body.length) })
      .end(req.method === 'HEAD' ? undefined : body);

const manifestOf = (layers: Array<{ digest: string; size: number }>) =>
  Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.manifest,
      config: { mediaType: MEDIA.config, digest: sha256('{}'), size: 2 },
      layers: layers.map((l) => ({ mediaType: MEDIA.layerGzip, ...l })),
    }),
  );

const env: EnvRef = { id: 'gkeflow/p/l/c', project: 'p', location: 'l', cluster: 'c' };
const config: TargetConfig = { target: 'local', emulatorAddress: '127.0.0.1:1', registryAddress: '127.0.0.1:2' };

void describe('registry client hardening (issue 10, defect 6)', () => {
  let dest: TestRegistry;
  before(async () => {
    dest = await startTestRegistry();
  });
  after(async () => {
    await dest?.stop();
  });

  void it('refuses a digest-pinned source when the registry returns another manifest for it', async () => {
    const pinned = manifestOf([{ digest: sha256('a'), size: 1 }]);
    const served = manifestOf([{ digest: sha256('b'), size: 1 }]);
    const reg = await hostile({ [`GET /v2/app/manifests/${sha256(pinned)}`]: json(served, MEDIA.manifest) });
    try {
      await assert.rejects(registryReader(`${reg.address}/app@${sha256(pinned)}`, config).root(), {
        name: 'InvalidArgumentError',
        message: /returned manifest sha256:[0-9a-f]{64} for sha256:/,
      });
    } finally {
      await reg.close();
    }
  });

  void it('refuses a manifest larger than the limit without reading it whole', async () => {
    const huge = Buffer.alloc(5 * 1024 * 1024, 0x20);
    const reg = await hostile({ 'GET /v2/app/manifests/big': json(huge, MEDIA.manifest) });
    try {
      await assert.rejects(registryReader(`${reg.address}/app:big`, config).root(), {
        name: 'InvalidArgumentError',
        message: /manifest .*larger than/,
      });
    } finally {
      await reg.close();
    }
  });

  void it('refuses a layer whose declared size is beyond the blob limit before uploading anything', async () => {
    const m = manifestOf([{ digest: sha256('x'), size: 2 ** 52 }]);
    const reg = await hostile({ 'GET /v2/app/manifests/v1': json(m, MEDIA.manifest) });
    try {
      const { pushImage } = registryActivities({ config: { ...config, registryAddress: dest.address } });
      await assert.rejects(
        pushImage({
          env,
          source: { kind: 'registry', reference: `${reg.address}/app:v1` },
          repository: `${dest.address}/p/r/app`,
          tag: 't',
        }),
        { name: 'InvalidArgumentError', message: /blob .*larger than/ },
      );
    } finally {
      await reg.close();
    }
  });

  void it('never returns more bytes of a blob than were asked for', async () => {
    const blob = crypto.randomBytes(64 * 1024);
    const reg = await hostile({
      [`GET /v2/app/blobs/${sha256(blob)}`]: (_req, res) => res.writeHead(206).end(blob),
    });
    try {
      const client = new DistributionClient(
        { base: `http://${reg.address}`, host: reg.address, name: 'app' },
        'source',
      );
      await assert.rejects(client.readBlob(sha256(blob), 0, 10), {
        name: 'InvalidArgumentError',
        message: /more than/,
      });
    } finally {
      await reg.close();
    }
  });

  void it('stops at an index nested deeper than the limit', async () => {
    const routes: Record<string, Route> = {};
    let child = manifestOf([{ digest: sha256('x'), size: 1 }]);
    routes[`GET /v2/app/manifests/${sha256(child)}`] = json(child, MEDIA.manifest);
    let childType: string = MEDIA.manifest;
    for (let depth = 0; depth < 12; depth++) {
      const index = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MEDIA.index,
          manifests: [{ mediaType: childType, digest: sha256(child), size: child.length }],
        }),
      );
      routes[`GET /v2/app/manifests/${sha256(index)}`] = json(index, MEDIA.index);
      child = index;
      childType = MEDIA.index;
    }
    routes['GET /v2/app/manifests/deep'] = json(child, MEDIA.index);
    const reg = await hostile(routes);
    try {
      const { pushImage } = registryActivities({ config: { ...config, registryAddress: dest.address } });
      await assert.rejects(
        pushImage({
          env,
          source: { kind: 'registry', reference: `${reg.address}/app:deep` },
          repository: `${dest.address}/p/r/deep`,
          tag: 't',
        }),
        { name: 'InvalidArgumentError', message: /nested deeper than/ },
      );
    } finally {
      await reg.close();
    }
  });

  void it('verifies a sha512 child digest', async () => {
    const body = manifestOf([{ digest: sha256('y'), size: 1 }]);
    const claimed = `sha512:${crypto.createHash('sha512').update('something else').digest('hex')}`;
    const reg = await hostile({ [`GET /v2/app/manifests/${claimed}`]: json(body, MEDIA.manifest) });
    try {
      const reader = registryReader(`${reg.address}/app:x`, config);
      await assert.rejects(reader.manifest({ mediaType: MEDIA.manifest, digest: claimed, size: body.length }), {
        name: 'InvalidArgumentError',
        message: /sha512/,
      });
    } finally {
      await reg.close();
    }
  });

  void it('sends Basic credentials only to a token realm on the registry’s own host', async () => {
    const tokenServer = await hostile(
      { 'GET /token': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"t"}') },
      '127.0.0.2',
    );
    const reg = await hostile({
      'HEAD /v2/app/blobs/sha256:00': (req, res) =>
        req.headers.authorization === 'Bearer t'
          ? res.writeHead(404).end()
          : res
              .writeHead(401, { 'www-authenticate': `Bearer realm="http://${tokenServer.address}/token",service="x"` })
              .end(),
    });
    try {
      const client = new DistributionClient(
        {
          base: `http://${reg.address}`,
          host: reg.address,
          name: 'app',
          credentials: async () => ({ username: 'oauth2accesstoken', password: 'ya29.secret' }),
        },
        'destination',
      );
      assert.equal(await client.hasBlob('sha256:00'), false);
      assert.equal(tokenServer.seen.length, 1, 'the token was asked for');
      assert.equal(tokenServer.seen[0]!.authorization, undefined, 'without the credentials');
    } finally {
      await reg.close();
      await tokenServer.close();
    }
  });
});
