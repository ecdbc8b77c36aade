/**
 * A small in-memory OCI registry for unit tests (no Go, no disk): blobs by HEAD/GET, monolithic
 * upload (POST, then PUT, or one PATCH and an empty PUT), manifests by GET/HEAD/PUT. Faults are
 * scripted: `fail(n, match, status | 'reset')` answers the next n matching requests with that
 * status or drops the connection before handling the request ('reset'), or handles it and drops the
 * connection instead of answering ('lost'). Every request is recorded.
 *
 *   const reg = await startFlakyRegistry();
 *   reg.fail(2, (r) => r.method === 'GET', 503);   // the next two GETs answer 503
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  /** The session id of an upload URL (`…/uploads/<id>`), if any. */
  session?: string;
}

interface Fault {
  left: number;
  match: (r: SeenRequest) => boolean;
  action: number | 'reset' | 'lost';
  headers: Record<string, string>;
}

export interface FlakyRegistry {
  address: string;
  base: string;
  seen: SeenRequest[];
  blobs: Map<string, Buffer>;
  manifests: Map<string, { body: Buffer; mediaType: string }>;
  /** Sessions whose upload was committed. */
  committed: string[];
  fail(
    n: number,
    match: (r: SeenRequest) => boolean,
    action: number | 'reset' | 'lost',
    headers?: Record<string, string>,
  ): void;
  stop(): Promise<void>;
}

const digestOf = (b: Buffer) => `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;

export async function startFlakyRegistry(): Promise<FlakyRegistry> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, { body: Buffer; mediaType: string }>();
  const uploads = new Map<string, Buffer[]>();
  const seen: SeenRequest[] = [];
  const committed: string[] = [];
  const faults: Fault[] = [];
  let next = 0;

  const body = (req: http.IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  const notFound = (res: http.ServerResponse, code: string) =>
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code }] }));

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/v2\/(.+?)\/(blobs|manifests)\/(uploads\/)?([^/]*)$/.exec(url.pathname);
    const r: SeenRequest = { method: req.method ?? '', path: url.pathname, session: m?.[3] ? m[4] : undefined };
    seen.push(r);
    const fault = faults.find((f) => f.left > 0 && f.match(r));
    if (fault) {
      fault.left--;
      if (fault.action === 'lost') {
        // Done, but the answer never arrives.
        res.writeHead = () => res;
        res.end = () => (req.socket.destroy(), res);
      } else if (fault.action === 'reset') {
        req.socket.destroy();
        return;
      } else {
        req.resume();
        res.writeHead(fault.action, { 'content-type': 'application/json', ...fault.headers });
        res.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: `injected ${fault.action}` }] }));
        return;
      }
    }
    void (async () => {
      if (url.pathname === '/v2/') return res.writeHead(200).end('{}');
      if (!m) return notFound(res, 'NAME_UNKNOWN');
      const [, , kind, uploadsPart, ref = ''] = m;
      if (kind === 'blobs' && uploadsPart) {
        if (req.method === 'POST') {
          await body(req);
          const id = String(++next);
          uploads.set(id, []);
          return res.writeHead(202, { location: `/v2/${m[1]}/blobs/uploads/${id}`, 'content-length': '0' }).end();
        }
        const parts = uploads.get(ref);
        if (!parts) return notFound(res, 'BLOB_UPLOAD_UNKNOWN');
        parts.push(await body(req));
        if (req.method === 'PATCH')
          return res.writeHead(202, { location: `/v2/${m[1]}/blobs/uploads/${ref}`, 'content-length': '0' }).end();
        const whole = Buffer.concat(parts);
        const digest = url.searchParams.get('digest') ?? '';
        uploads.delete(ref);
        if (digestOf(whole) !== digest)
          return res
            .writeHead(400, { 'content-type': 'application/json' })
            .end('{"errors":[{"code":"DIGEST_INVALID"}]}');
        blobs.set(digest, whole);
        committed.push(ref);
        return res.writeHead(201, { 'docker-content-digest': digest, 'content-length': '0' }).end();
      }
      if (kind === 'blobs') {
        const blob = blobs.get(ref);
        if (!blob) return notFound(res, 'BLOB_UNKNOWN');
        res.writeHead(200, { 'content-length': String(blob.length), 'docker-content-digest': ref });
        return res.end(req.method === 'HEAD' ? undefined : blob);
      }
      if (req.method === 'PUT') {
        const b = await body(req);
        const entry = { body: b, mediaType: req.headers['content-type'] ?? '' };
        manifests.set(ref, entry);
        manifests.set(digestOf(b), entry);
        return res.writeHead(201, { 'docker-content-digest': digestOf(b), 'content-length': '0' }).end();
      }
      const found = manifests.get(ref);
      if (!found) return notFound(res, 'MANIFEST_UNKNOWN');
      res.writeHead(200, {
        'content-type': found.mediaType,
        'content-length': String(found.body.length),
        'docker-content-digest': digestOf(found.body),
      });
      return res.end(req.method === 'HEAD' ? undefined : found.body);
    })().catch((e: Error) => res.writeHead(500).end(e.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    address,
    base: `http://${address}`,
    seen,
    blobs,
    manifests,
    committed,
    fail: (n, match, action, headers = {}) => faults.push({ left: n, match, action, headers }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
