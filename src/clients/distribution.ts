/**
 * An OCI distribution (registry HTTP API v2) client on plain fetch, for one repository:
 * blob HEAD / mount / monolithic and chunked upload, manifest GET / PUT / DELETE, and the auth
 * handshake (401 + WWW-Authenticate: Basic, or Bearer with a token from the realm). Tokens and
 * passwords stay inside this object: errors carry status codes and OCI error codes only.
 * Idempotent calls are retried on a 408, 429, 5xx or failed connection (registry-retry.ts); a
 * blob upload that fails is started again in a new session, from its first byte.
 */
import crypto from 'node:crypto';
import { ActivityError, InvalidArgumentError } from '../contract/activity-errors';
import { registryError, registryNetworkError } from './registry-errors';
import { digestVerifier, MAX_MANIFEST_BYTES } from '../image/digest';
import { MANIFEST_ACCEPT } from '../image/oci';
import { readCapped, streamRequest } from './http-body';
import type { RegistryRepo } from './registry';
import { DEFAULT_RETRY, retryAfterMs, withRetry, type RetryPolicy } from './registry-retry';

type Side = 'source' | 'destination';

/** Parses `Bearer realm="…",service="…",scope="…"` / `Basic realm="…"`. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^(\w+)\s*(.*)$/s.exec(header.trim());
  const params: Record<string, string> = {};
  for (const p of (m?.[2] ?? '').matchAll(/(\w+)="([^"]*)"|(\w+)=([^,\s]*)/g))
    params[(p[1] ?? p[3])!.toLowerCase()] = p[2] ?? p[4] ?? '';
  return { scheme: (m?.[1] ?? '').toLowerCase(), params };
}

/** Bytes read from the source per write of a streamed upload: small, so memory stays flat. */
const STREAM_CHUNK = 1024 * 1024;

/** How a client waits and retries. */
export interface DistributionOptions {
  /** Aborts every request and retry wait (the activity's cancellation). */
  signal?: AbortSignal;
  /** Called while waiting to retry: an activity heartbeats here. */
  onWait?: () => void;
  retry?: RetryPolicy;
}

interface RequestOptions {
  headers?: Record<string, string>;
  /** The bytes, or a factory of a fresh stream of them (sent again from the start after an auth challenge). */
  body?: Buffer | (() => AsyncIterable<Buffer>);
  /** Extra repositories this request pulls from (cross-repo mount). */
  alsoPull?: string;
}

export class DistributionClient {
  private authorization: string | undefined;
  private readonly bearer = new Map<string, string>();

  private readonly signal?: AbortSignal;
  private readonly policy: RetryPolicy;
  private readonly onWait?: () => void;

  constructor(
    readonly repo: RegistryRepo,
    private readonly side: Side,
    opts: DistributionOptions = {},
  ) {
    this.signal = opts.signal;
    this.onWait = opts.onWait;
    this.policy = opts.retry ?? DEFAULT_RETRY;
  }

  /** Runs an idempotent call, retrying it as the policy says. */
  private retrying<T>(call: (n: number) => Promise<T>): Promise<T> {
    return withRetry(this.policy, call, { signal: this.signal, onWait: this.onWait });
  }

  /** A failure while reading an answer's body (the connection dropped mid-way) is a network failure. */
  private cut(err: unknown, what: string): never {
    if (err instanceof ActivityError) throw err;
    throw registryNetworkError(err, { what, repository: this.repo.name });
  }

  private scopes(alsoPull?: string): string[] {
    const own = `repository:${this.repo.name}:${this.side === 'source' ? 'pull' : 'pull,push'}`;
    return alsoPull ? [own, `repository:${alsoPull}:pull`] : [own];
  }

  /** The error of a refused request; `res` adds the wait its Retry-After header asks for. */
  fail(status: number, body: string, what: string, res?: Response): ActivityError {
    return registryError(status, body, this.side, {
      what,
      repository: `${this.repo.host}/${this.repo.name}`,
      retryAfterMs: retryAfterMs(res?.headers.get('retry-after')),
    });
  }

  /** One HTTP request, answering at most one auth challenge. */
  async request(method: string, pathOrUrl: string, opts: RequestOptions = {}): Promise<Response> {
    const url = new URL(pathOrUrl, this.repo.base);
    const scopes = this.scopes(opts.alsoPull);
    const send = (auth: string | undefined) => {
      const headers: Record<string, string> = { ...opts.headers };
      if (auth) headers.authorization = auth;
      const sent =
        typeof opts.body === 'function'
          ? streamRequest(url, method, headers, opts.body(), this.signal)
          : fetch(url, { method, headers, body: opts.body, redirect: 'follow', signal: this.signal });
      return sent.catch((e: unknown) => {
        throw registryNetworkError(e, { what: `${method} ${url.pathname}`, repository: this.repo.name });
      });
    };
    const cached = this.bearer.get(scopes.join(' ')) ?? this.authorization;
    const res = await send(cached);
    if (res.status !== 401) return res;
    const challenge = res.headers.get('www-authenticate');
    await res.arrayBuffer();
    if (!challenge) return send(cached);
    const auth = await this.answer(challenge, scopes);
    return send(auth);
  }

  private async basic(): Promise<string | undefined> {
    const c = await this.repo.credentials?.();
    return c ? `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}` : undefined;
  }

  private async answer(challenge: string, scopes: string[]): Promise<string | undefined> {
    const { scheme, params } = parseChallenge(challenge);
    if (scheme === 'basic') {
      this.authorization = await this.basic();
      return this.authorization;
    }
    if (scheme !== 'bearer' || !params.realm) return undefined;
    const realm = new URL(params.realm);
    if (params.service) realm.searchParams.set('service', params.service);
    for (const s of scopes) realm.searchParams.append('scope', s);
    // The registry's credentials go to its own host only (over the same or a safer scheme), never
    // to whatever realm a challenge names; elsewhere the token is asked for anonymously.
    const base = new URL(this.repo.base);
    const ownRealm = realm.host === base.host && (realm.protocol === base.protocol || realm.protocol === 'https:');
    const basic = ownRealm ? await this.basic() : undefined;
    const res = await fetch(realm, { headers: basic ? { authorization: basic } : {}, signal: this.signal }).catch(
      (e: unknown) => {
        throw registryNetworkError(e, { what: 'token request', repository: this.repo.name });
      },
    );
    const text = await res.text().catch((e: unknown) => this.cut(e, 'token request'));
    if (!res.ok) throw this.fail(res.status, text, 'token request', res);
    const json = JSON.parse(text) as { token?: string; access_token?: string };
    const token = json.token ?? json.access_token;
    if (!token) return undefined;
    this.bearer.set(scopes.join(' '), `Bearer ${token}`);
    return `Bearer ${token}`;
  }

  private blobsPath = () => `/v2/${this.repo.name}/blobs/`;

  /** True when the repository already has the blob. */
  hasBlob(digest: string): Promise<boolean> {
    return this.retrying(async () => {
      const res = await this.request('HEAD', `${this.blobsPath()}${digest}`);
      await res.arrayBuffer().catch((e: unknown) => this.cut(e, `HEAD blob ${digest}`));
      if (res.ok) return true;
      if (res.status === 404) return false;
      throw this.fail(res.status, '', `HEAD blob ${digest}`, res);
    });
  }

  /** Tries a cross-repository mount; returns true when mounted, else an upload URL to use instead. */
  mountOrStart(digest: string, from: string | undefined): Promise<true | string> {
    const q = from ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}` : '';
    return this.retrying(async () => {
      const res = await this.request('POST', `${this.blobsPath()}uploads/${q}`, { alsoPull: from });
      const text = await res.text().catch((e: unknown) => this.cut(e, `start upload of ${digest}`));
      if (res.status === 201 && from) return true;
      if (res.status !== 202) throw this.fail(res.status, text, `start upload of ${digest}`, res);
      return this.location(res);
    });
  }

  private location(res: Response): string {
    const loc = res.headers.get('location');
    if (!loc)
      throw new InvalidArgumentError('registry answered without a Location header', { repository: this.repo.name });
    return new URL(loc, this.repo.base).toString();
  }

  /**
   * Uploads a blob monolithically, as Artifact Registry requires (it refuses chunked uploads):
   * one PUT with the bytes when the blob fits in one read window, else one streamed PATCH with
   * the whole blob then an empty `PUT ?digest=`. The bytes are read `window` at a time, so memory
   * stays bounded whatever the blob's size, and hashed on the way: a blob whose bytes do not
   * match its digest is never committed. onProgress reports bytes sent so far (from 0 again when
   * the upload restarts). A failed upload is not resumed (a session's state after a failure is
   * unknown) but sent again whole in a new session, unless the blob turns out to be there: its
   * commit landed though the answer was lost.
   */
  async upload(
    uploadUrl: string,
    digest: string,
    size: number,
    read: (offset: number, length: number) => Promise<Buffer>,
    window: number,
    onProgress: (bytes: number) => void,
  ): Promise<void> {
    let url = uploadUrl;
    await this.retrying(async (n) => {
      if (n > 1) {
        if (await this.hasBlob(digest)) return onProgress(size);
        const started = await this.mountOrStart(digest, undefined);
        if (started === true) return onProgress(size);
        url = started;
      }
      await this.uploadOnce(url, digest, size, read, window, onProgress);
    });
  }

  /** One try of upload() in the session at `uploadUrl`. */
  private async uploadOnce(
    uploadUrl: string,
    digest: string,
    size: number,
    read: (offset: number, length: number) => Promise<Buffer>,
    window: number,
    onProgress: (bytes: number) => void,
  ): Promise<void> {
    const withDigest = (url: string) => {
      const u = new URL(url);
      u.searchParams.set('digest', digest);
      return u.toString();
    };
    const what = `source blob ${digest} is corrupt`;
    const octets = (length: number) => ({
      'content-type': 'application/octet-stream',
      'content-length': String(length),
    });
    if (size <= window) {
      const body = await read(0, size);
      const v = digestVerifier(digest, what);
      v.update(body);
      v.check();
      const res = await this.request('PUT', withDigest(uploadUrl), { body, headers: octets(body.length) });
      const text = await res.text().catch((e: unknown) => this.cut(e, `upload blob ${digest}`));
      if (res.status !== 201) throw this.fail(res.status, text, `upload blob ${digest}`, res);
      onProgress(size);
      return;
    }
    let verifier = digestVerifier(digest, what);
    // A fresh stream per attempt: an auth challenge answered mid-way re-sends the body from the start.
    const stream = async function* (): AsyncGenerator<Buffer> {
      verifier = digestVerifier(digest, what);
      for (let offset = 0; offset < size;) {
        const chunk = await read(offset, Math.min(STREAM_CHUNK, window, size - offset));
        if (chunk.length === 0)
          throw new InvalidArgumentError(`source blob ${digest} ended at ${offset} of ${size} bytes`, { digest });
        verifier.update(chunk);
        offset += chunk.length;
        yield chunk;
        onProgress(offset);
      }
    };
    const patch = await this.request('PATCH', uploadUrl, { body: stream, headers: octets(size) });
    const patchText = await patch.text().catch((e: unknown) => this.cut(e, `upload blob ${digest}`));
    if (patch.status !== 202) throw this.fail(patch.status, patchText, `upload blob ${digest}`, patch);
    const next = this.location(patch);
    verifier.check();
    const res = await this.request('PUT', withDigest(next), { headers: octets(0) });
    const text = await res.text().catch((e: unknown) => this.cut(e, `commit blob ${digest}`));
    if (res.status !== 201) throw this.fail(res.status, text, `commit blob ${digest}`, res);
  }

  /**
   * GET `length` bytes of a blob from `offset`, holding no more than that in memory: a registry
   * that ignores Range has the bytes before `offset` skipped as they stream by; one that answers
   * a range with more bytes than asked for is refused.
   */
  readBlob(digest: string, offset: number, length: number): Promise<Buffer> {
    return this.retrying(() =>
      this.readBlobOnce(digest, offset, length).catch((e: unknown) => this.cut(e, `GET blob ${digest}`)),
    );
  }

  private async readBlobOnce(digest: string, offset: number, length: number): Promise<Buffer> {
    const res = await this.request('GET', `${this.blobsPath()}${digest}`, {
      headers: { range: `bytes=${offset}-${offset + length - 1}` },
    });
    if (res.status !== 206 && res.status !== 200)
      throw this.fail(res.status, await res.text(), `GET blob ${digest}`, res);
    const skip = res.status === 206 ? 0 : offset;
    const out = Buffer.alloc(length);
    let seen = 0;
    let filled = 0;
    const reader = res.body?.getReader();
    try {
      for (;;) {
        const next = await reader?.read();
        if (!next || next.done) break;
        const chunk = Buffer.from(next.value);
        const from = Math.max(0, skip - seen);
        seen += chunk.length;
        if (from >= chunk.length) continue;
        const part = chunk.subarray(from, from + (length - filled));
        if (res.status === 206 && filled + chunk.length - from > length)
          throw new InvalidArgumentError(
            `registry answered more than the ${length} bytes asked for of blob ${digest}`,
            {
              digest,
            },
          );
        part.copy(out, filled);
        filled += part.length;
        if (filled === length && res.status === 200) break;
      }
    } finally {
      await reader?.cancel().catch(() => undefined);
    }
    return out.subarray(0, filled);
  }

  /** GET a manifest by tag or digest. */
  getManifest(ref: string): Promise<{ body: Buffer; mediaType: string; digest: string }> {
    return this.retrying(() => this.getManifestOnce(ref).catch((e: unknown) => this.cut(e, `GET manifest ${ref}`)));
  }

  private async getManifestOnce(ref: string): Promise<{ body: Buffer; mediaType: string; digest: string }> {
    const res = await this.request('GET', `/v2/${this.repo.name}/manifests/${ref}`, {
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (!res.ok) throw this.fail(res.status, await res.text(), `GET manifest ${ref}`, res);
    const body = await readCapped(res, MAX_MANIFEST_BYTES, `manifest ${ref}`);
    const digest = `sha256:${crypto.createHash('sha256').update(body).digest('hex')}`;
    const mediaType =
      (res.headers.get('content-type') ?? '').split(';')[0]!.trim() ||
      ((JSON.parse(body.toString()) as { mediaType?: string }).mediaType ?? '');
    return { body, mediaType, digest };
  }

  /** The digest a tag points at, or undefined when the tag does not exist. */
  headManifest(ref: string): Promise<string | undefined> {
    return this.retrying(async () => {
      const res = await this.request('HEAD', `/v2/${this.repo.name}/manifests/${ref}`, {
        headers: { accept: MANIFEST_ACCEPT },
      });
      await res.arrayBuffer().catch((e: unknown) => this.cut(e, `HEAD manifest ${ref}`));
      if (res.status === 404) return undefined;
      if (!res.ok) throw this.fail(res.status, '', `HEAD manifest ${ref}`, res);
      return res.headers.get('docker-content-digest') ?? undefined;
    });
  }

  /** PUT a manifest under a tag or digest; returns the digest the registry computed. */
  putManifest(ref: string, body: Buffer, mediaType: string): Promise<string | undefined> {
    return this.retrying(async () => {
      const res = await this.request('PUT', `/v2/${this.repo.name}/manifests/${ref}`, {
        body,
        headers: { 'content-type': mediaType },
      });
      const text = await res.text().catch((e: unknown) => this.cut(e, `PUT manifest ${ref}`));
      if (res.status !== 201) throw this.fail(res.status, text, `PUT manifest ${ref}`, res);
      return res.headers.get('docker-content-digest') ?? undefined;
    });
  }

  /** DELETE a manifest by tag or digest; false when it did not exist. */
  async deleteManifest(ref: string): Promise<{ deleted: boolean; status: number; body: string }> {
    const res = await this.request('DELETE', `/v2/${this.repo.name}/manifests/${ref}`);
    const body = await res.text();
    if (res.status === 202 || res.status === 200) return { deleted: true, status: res.status, body };
    return { deleted: false, status: res.status, body };
  }
}
