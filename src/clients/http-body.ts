/**
 * HTTP bodies of the distribution client: a response read with a size cap, and a request whose
 * body is streamed with backpressure.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidArgumentError } from '../contract/activity-errors';

/** A response body, refused (InvalidArgumentError) as soon as it grows past `limit` bytes. */
export async function readCapped(res: Response, limit: number, what: string): Promise<Buffer> {
  const tooBig = () => new InvalidArgumentError(`${what} is larger than the ${limit}-byte limit`, { limit });
  if (Number(res.headers.get('content-length') ?? 0) > limit) {
    await res.body?.cancel().catch(() => undefined);
    throw tooBig();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) break;
    size += next.value.length;
    if (size > limit) {
      await reader?.cancel().catch(() => undefined);
      throw tooBig();
    }
    chunks.push(Buffer.from(next.value));
  }
  return Buffer.concat(chunks);
}

/** The most of a refusal's body kept while a streamed upload is cut short. */
const REFUSAL_BODY_BYTES = 64 * 1024;

/**
 * Sends a streamed body with node:http, which writes it with backpressure (Node's fetch reads an
 * iterable body ahead of the socket, buffering a large blob whole); answers like fetch. A refusal
 * (any status but 2xx) answered mid-way stops the upload: its body is read, then the request is
 * dropped, so the source is not read to its end for nothing.
 */
export function streamRequest(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: AsyncIterable<Buffer>,
  signal?: AbortSignal,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = (url.protocol === 'https:' ? https : http).request(url, { method, headers, signal }, (res) => {
      answered = true;
      const h = new Headers();
      for (const [k, v] of Object.entries(res.headers))
        if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
      const status = res.statusCode ?? 500;
      if (status >= 200 && status < 300)
        return resolve(new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, { status, headers: h }));
      const chunks: Buffer[] = [];
      let kept = 0;
      const done = () => {
        req.destroy();
        resolve(new Response(Buffer.concat(chunks), { status, headers: h }));
      };
      res.on('data', (c: Buffer) => {
        if (kept < REFUSAL_BODY_BYTES) chunks.push(c.subarray(0, REFUSAL_BODY_BYTES - kept));
        kept += c.length;
      });
      res.on('end', done);
      res.on('error', done);
    });
    req.on('error', (e) => answered || reject(e));
    // A registry that answers before reading everything (a refusal) ends the upload early: its answer counts.
    pipeline(Readable.from(body, { objectMode: false }), req).catch((e: unknown) => answered || reject(e as Error));
  });
}
