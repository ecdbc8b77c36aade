/**
 * A Temporal codec server (https://docs.temporal.io/production-deployment/data-encryption):
 * POST /encode and POST /decode take `{payloads: [...]}` (proto3 JSON: base64 metadata and data)
 * and answer the same shape. The Web UI calls it from the browser (`--ui-codec-endpoint`), so
 * whoever holds the key reads decoded histories; nobody else sees more than ciphertext.
 *
 * It listens on loopback by default, answers CORS for the UI's origin (and any allowed origin, e.g.
 * https://cloud.temporal.io) only, refuses Host names other than loopback's and the allowed ones
 * (DNS rebinding) and anything but JSON bodies (no form or no-cors POST). With a token, every
 * /encode and /decode must carry it, as `Authorization: Bearer <token>` or as the first path
 * segment (`https://host:port/<token>` as the UI's codec endpoint), compared in constant time,
 * so no other local user can decode. TLS (cert/key) serves the https endpoint Temporal Cloud
 * requires; TLS or a non-loopback host without a token is refused at start.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { decodeForDisplay } from './aes-gcm-codec';

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

export const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** The Web UI's origin (scheme://host:port), the one CORS lets read answers (with allowedOrigins). */
  uiOrigin: string;
  /** Further origins CORS lets read answers, e.g. `https://cloud.temporal.io` for the Cloud UI. */
  allowedOrigins?: string[];
  /** Host names accepted besides loopback's (the name a browser reaches this server by). */
  allowedHosts?: string[];
  /** Address to listen on; default 127.0.0.1. */
  listenHost?: string;
  /** Serve https with this certificate and key (PEM). */
  tls?: { cert: Buffer; key: Buffer };
  /** The bearer token every /encode and /decode must carry. */
  token?: string;
}

/** Thrown when the options would expose decoding without a token. */
export class CodecServerOptionsError extends Error {}

const digest = (s: string) => crypto.createHash('sha256').update(s).digest();
/** Constant-time token comparison (hashing first makes the lengths equal). */
export const tokenMatches = (given: string | undefined, token: string): boolean =>
  given !== undefined && crypto.timingSafeEqual(digest(given), digest(token));

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

export type CodecRoute = 'encode' | 'decode';

/** Answers one authorised POST /encode or /decode: a JSON body only (no form or no-cors POST). */
export function answerCodec(
  codec: PayloadCodec,
  route: CodecRoute,
  req: http.IncomingMessage,
  send: (code: number, body: unknown) => void,
): void {
  if ((req.headers['content-type'] ?? '').split(';')[0]!.trim() !== 'application/json')
    return send(415, { message: 'content-type must be application/json' });
  readJson(req)
    .then(async ({ payloads }) => {
      const input = payloads.map(fromJson);
      const out = route === 'encode' ? await codec.encode(input) : await decodeForDisplay(codec, input);
      send(200, { payloads: out.map(toJson) });
    })
    .catch((e: Error) => send(400, { message: e.message }));
}

/** The Host header's name without its port, lower case. */
export const hostName = (req: http.IncomingMessage): string =>
  (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');

/** Starts the codec server; resolves with the listening server. */
export function startCodecServer(o: CodecServerOptions): Promise<http.Server> {
  const origins = new Set([o.uiOrigin, ...(o.allowedOrigins ?? [])].map((u) => new URL(u).origin));
  const hosts = new Set([...LOOPBACK_HOSTS, ...(o.allowedHosts ?? []).map((h) => h.toLowerCase())]);
  const exposed = !!o.tls || hosts.size > LOOPBACK_HOSTS.size || (o.listenHost ?? '127.0.0.1') !== '127.0.0.1';
  if (exposed && !o.token)
    return Promise.reject(
      new CodecServerOptionsError('a codec server with TLS or a non-loopback host needs a token (GKEFLOW_CODEC_TOKEN)'),
    );
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const origin = req.headers.origin && origins.has(req.headers.origin) ? req.headers.origin : undefined;
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (origin) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
      res.setHeader('vary', 'origin');
    }
    if (!hosts.has(hostName(req))) return send(403, { message: 'host name not allowed' });
    if (req.headers.origin && !origin)
      return send(403, { message: `origin ${req.headers.origin} is not allowed (${[...origins].join(', ')})` });
    if (req.method === 'OPTIONS') return send(200, {});
    const m = /^(?:\/([^/]+))?\/(encode|decode)\/?$/.exec(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const route = m?.[2];
    if (req.method !== 'POST' || !route) return send(404, { message: 'POST /encode or /decode' });
    if (o.token) {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!tokenMatches(bearer, o.token) && !tokenMatches(m?.[1], o.token))
        return send(401, { message: 'a valid token is required' });
    } else if (m?.[1]) return send(404, { message: 'POST /encode or /decode' });
    answerCodec(o.codec, route as CodecRoute, req, send);
  };
  const server = o.tls ? https.createServer({ cert: o.tls.cert, key: o.tls.key }, handler) : http.createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.listenHost ?? '127.0.0.1', () => resolve(server));
  });
}
