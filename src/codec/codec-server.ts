/**
 * A Temporal codec server (https://docs.temporal.io/production-deployment/data-encryption):
 * POST /encode and POST /decode take `{payloads: [...]}` (proto3 JSON: base64 metadata and data)
 * and answer the same shape. The Web UI calls it from the browser (`--ui-codec-endpoint`), so
 * whoever holds the key reads decoded histories; nobody else sees more than ciphertext.
 *
 * It listens on loopback only, answers CORS for the UI's origin only, refuses other Host names
 * (DNS rebinding) and anything but JSON bodies (no form or no-cors POST).
 */
import http from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';

/** A payload as JSON carries it: every bytes field base64. */
interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** The Web UI's origin (scheme://host:port), the only one CORS lets read answers. */
  uiOrigin: string;
}

async function readJson(req: http.IncomingMessage): Promise<{ payloads: JsonPayload[] }> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 8 << 20) throw new Error('body larger than 8 MiB');
    chunks.push(c);
  }
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { payloads?: unknown };
  if (!Array.isArray(body.payloads)) throw new Error('body must be {"payloads": [...]}');
  return { payloads: body.payloads as JsonPayload[] };
}

/** Starts the codec server; resolves with the listening server. */
export function startCodecServer(o: CodecServerOptions): Promise<http.Server> {
  const origin = new URL(o.uiOrigin).origin;
  const server = http.createServer((req, res) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.origin === origin) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
      res.setHeader('vary', 'origin');
    }
    const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
    if (!LOOPBACK_HOSTS.has(host)) return send(403, { message: 'loopback host names only' });
    if (req.headers.origin && req.headers.origin !== origin)
      return send(403, { message: `origin ${req.headers.origin} is not the Web UI's (${origin})` });
    if (req.method === 'OPTIONS') return send(200, {});
    const route = /\/(encode|decode)\/?$/.exec(new URL(req.url ?? '/', 'http://127.0.0.1').pathname)?.[1];
    if (req.method !== 'POST' || !route) return send(404, { message: 'POST /encode or /decode' });
    if ((req.headers['content-type'] ?? '').split(';')[0]!.trim() !== 'application/json')
      return send(415, { message: 'content-type must be application/json' });
    readJson(req)
      .then(async ({ payloads }) => {
        const input = payloads.map(fromJson);
        const out = route === 'encode' ? await o.codec.encode(input) : await o.codec.decode(input);
        send(200, { payloads: out.map(toJson) });
      })
      .catch((e: Error) => send(400, { message: e.message }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve(server));
  });
}
