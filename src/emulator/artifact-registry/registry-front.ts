/**
 * The local Artifact Registry's Docker endpoint: a small HTTP front on the registry port that
 * refuses what Artifact Registry refuses and proxies everything else, streamed, to the CNCF
 * distribution registry underneath (which keeps the bytes):
 * - chunked uploads: a second PATCH in one upload session, or a PUT with a body after a PATCH
 *   (Artifact Registry takes a blob as one PATCH then `PUT ?digest=`, or as one PUT);
 * - pushes into a repository the Artifact Registry API has not created (`NAME_UNKNOWN`);
 * - with auth required, anything without a token: a Bearer challenge whose realm is `/v2/token`
 *   on this host, which issues registry tokens for Basic `oauth2accesstoken:<access token>`.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { backendTarget, type BackendAddress } from './backend';

export interface RegistryFrontOptions {
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  backend: BackendAddress;
  /** Whether a repository exists for a registry path `P/R/IMAGE`; absent: every push is accepted. */
  repositoryExists?: (imagePath: string) => boolean;
  /** Read on every request: false = open; true = any access token; a string = that token only. */
  requireAuth?: () => boolean | string;
  /**
   * Told of every manifest the registry took or deleted (`ref` a tag or a digest), so the
   * versions of a repository are known apart from its tags (an untagged version still exists).
   */
  onManifest?: (change: ManifestChange) => void;
  log?: (line: string) => void;
}

/** A manifest the registry underneath accepted (`put`) or deleted (`delete`). */
export interface ManifestChange {
  kind: 'put' | 'delete';
  imagePath: string;
  ref: string;
  /** The manifest digest the registry answered with (put). */
  digest?: string;
}

const MANIFEST_RE = /^\/v2\/(.+?)\/manifests\/([^/]+)$/;

/** The change a finished manifest request made, if any. */
function manifestChange(method: string, pathname: string, status: number, digest: unknown): ManifestChange | undefined {
  const m = MANIFEST_RE.exec(pathname);
  if (!m) return undefined;
  const [, imagePath, ref] = m as unknown as [string, string, string];
  if (method === 'PUT' && status === 201)
    return { kind: 'put', imagePath, ref, ...(typeof digest === 'string' ? { digest } : {}) };
  if (method === 'DELETE' && (status === 202 || status === 200)) return { kind: 'delete', imagePath, ref };
  return undefined;
}

export interface RunningRegistryFront {
  port: number;
  /** `127.0.0.1:<port>` */
  address: string;
  close(): Promise<void>;
}

/** How long a registry token is good for, as Artifact Registry's. */
const TOKEN_LIFETIME_S = 3600;

const PATH_RE = /^\/v2\/(.+?)\/(blobs\/uploads\/?([^/?]*)|blobs\/[^/]+|manifests\/[^/]+|tags\/list)$/;

function ociError(res: http.ServerResponse, status: number, code: string, message: string, headers = {}): void {
  res
    .writeHead(status, { 'content-type': 'application/json', ...headers })
    .end(JSON.stringify({ errors: [{ code, message }] }));
}

/** Starts the front; see the module comment for what it refuses. */
export async function startRegistryFront(o: RegistryFrontOptions): Promise<RunningRegistryFront> {
  /** Registry tokens issued, with when each expires (epoch ms). */
  const tokens = new Map<string, number>();
  /** Upload sessions (the uuid in the Location) that already took a PATCH. */
  const patched = new Set<string>();
  const log = o.log ?? (() => {});

  const accessTokenOk = (basic: string | undefined): boolean => {
    const m = /^Basic\s+(\S+)$/i.exec(basic ?? '');
    if (!m) return false;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const [user, token] = [decoded.slice(0, i), decoded.slice(i + 1)];
    const required = o.requireAuth?.();
    return user === 'oauth2accesstoken' && token.length > 0 && (typeof required !== 'string' || token === required);
  };

  const authorised = (header: string | undefined): boolean => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    return bearer ? (tokens.get(bearer[1]!) ?? 0) > Date.now() : accessTokenOk(header);
  };

  const issueToken = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!accessTokenOk(req.headers.authorization)) {
      ociError(res, 401, 'UNAUTHORIZED', 'authentication failed: expected Basic oauth2accesstoken:<access token>');
      return;
    }
    const now = Date.now();
    for (const [t, expires] of tokens) if (expires <= now) tokens.delete(t);
    const token = crypto.randomBytes(24).toString('hex');
    tokens.set(token, now + TOKEN_LIFETIME_S * 1000);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token, access_token: token, expires_in: TOKEN_LIFETIME_S }));
  };

  /** Why Artifact Registry would refuse this request, or undefined to pass it on. */
  const refusal = (req: http.IncomingMessage, pathname: string): [number, string, string] | undefined => {
    const m = PATH_RE.exec(pathname);
    if (!m) return undefined;
    const [, name, what, session] = m as unknown as [string, string, string, string | undefined];
    const method = req.method ?? 'GET';
    const pushing =
      (what.startsWith('blobs/uploads') && method === 'POST') || (what.startsWith('manifests/') && method === 'PUT');
    if (pushing && o.repositoryExists && !o.repositoryExists(name)) {
      const [project, repository] = name.split('/');
      return [404, 'NAME_UNKNOWN', `Repository "${repository ?? ''}" not found in project "${project ?? ''}"`];
    }
    if (!what.startsWith('blobs/uploads') || !session) return undefined;
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    const chunked =
      'Artifact Registry does not support chunked uploads: send the blob as one PATCH then PUT ?digest=, or as one PUT';
    if (method === 'PATCH') {
      if (patched.has(session)) return [400, 'UNSUPPORTED', chunked];
      patched.add(session);
    } else if (method === 'PUT') {
      const after = patched.delete(session);
      if (after && hasBody) return [400, 'UNSUPPORTED', chunked];
    } else if (method === 'DELETE') patched.delete(session);
    return undefined;
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://front');
    const host = req.headers.host ?? `127.0.0.1:${port}`;
    if (url.pathname.startsWith('/v2/token')) {
      issueToken(req, res);
      return;
    }
    if (o.requireAuth?.() && !authorised(req.headers.authorization)) {
      req.resume();
      ociError(res, 401, 'UNAUTHORIZED', 'authentication required', {
        'www-authenticate': `Bearer realm="http://${host}/v2/token",service="${host}"`,
      });
      return;
    }
    const refused = refusal(req, url.pathname);
    if (refused) {
      req.resume();
      ociError(res, ...refused);
      return;
    }
    const headers = { ...req.headers };
    delete headers.authorization;
    const upstream = http.request(
      { ...backendTarget(o.backend, `${url.pathname}${url.search}`), method: req.method, headers },
      (answer) => {
        const change = manifestChange(
          req.method ?? 'GET',
          url.pathname,
          answer.statusCode ?? 0,
          answer.headers['docker-content-digest'],
        );
        if (change) o.onManifest?.(change);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (e) => {
      log(`registry backend unreachable: ${e.message}`);
      if (!res.headersSent) ociError(res, 503, 'UNAVAILABLE', 'the registry storage is unavailable');
      else res.destroy();
    });
    req.pipe(upstream);
  });
  let port = o.port;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
