/**
 * A stand-in for Artifact Registry's auth front for tests: answers 401 with a Bearer challenge,
 * issues a registry token only for Basic `oauth2accesstoken:<expected access token>`, and
 * forwards authorised /v2/ requests to a real distribution registry.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeArtifactRegistry {
  base: string;
  /** Scopes requested at the token endpoint, in order. */
  tokenRequests: string[][];
  close(): Promise<void>;
}

/** `scheme: 'basic'` answers with a Basic challenge and takes the credentials on every request instead. */
export async function startFakeArtifactRegistry(
  upstream: string,
  accessToken: string,
  scheme: 'bearer' | 'basic' = 'bearer',
): Promise<FakeArtifactRegistry> {
  const tokenRequests: string[][] = [];
  const registryToken = 'registry-token-42';
  let base = '';
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', base);
      if (url.pathname === '/v2/token') {
        tokenRequests.push(url.searchParams.getAll('scope'));
        const want = `Basic ${Buffer.from(`oauth2accesstoken:${accessToken}`).toString('base64')}`;
        if (req.headers.authorization !== want) {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
          return;
        }
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ token: registryToken, expires_in: 3600 }));
        return;
      }
      const basic = `Basic ${Buffer.from(`oauth2accesstoken:${accessToken}`).toString('base64')}`;
      if (scheme === 'basic' && req.headers.authorization !== basic) {
        res
          .writeHead(401, { 'www-authenticate': 'Basic realm="fake-ar"', 'content-type': 'application/json' })
          .end('{"errors":[{"code":"UNAUTHORIZED"}]}');
        return;
      }
      if (scheme === 'bearer' && req.headers.authorization !== `Bearer ${registryToken}`) {
        res
          .writeHead(401, {
            'www-authenticate': `Bearer realm="${base}/v2/token",service="fake-ar"`,
            'content-type': 'application/json',
          })
          .end('{"errors":[{"code":"UNAUTHORIZED"}]}');
        return;
      }
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && !['authorization', 'host', 'connection'].includes(k)) headers[k] = v;
      const up = await fetch(`http://${upstream}${url.pathname}${url.search}`, {
        method: req.method,
        headers,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
        redirect: 'manual',
      });
      const out: Record<string, string> = {};
      up.headers.forEach((v, k) => {
        if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection')
          out[k] = k === 'location' ? v.replace(`http://${upstream}`, base) : v;
      });
      const body = Buffer.from(await up.arrayBuffer());
      res.writeHead(up.status, out).end(req.method === 'HEAD' ? undefined : body);
    })().catch((e: Error) => res.writeHead(500).end(e.message));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, tokenRequests, close: () => new Promise((r) => server.close(() => r())) };
}
