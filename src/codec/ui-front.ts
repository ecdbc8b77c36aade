/**
 * The local stack's Web UI front: it holds the Web UI's port, asks for the codec token once per
 * browser, and serves the codec under the UI's own origin, so the dev server's embedded UI decodes
 * payloads for the token holder only.
 *
 * Why a front: the UI calls its codec endpoint from the browser, and `temporal server start-dev`
 * (CLI v1.5.1) configures the embedded UI with the endpoint alone: no passAccessToken, no
 * includeCredentials, no header. The endpoint is public anyway (any local user reads it from the
 * UI's `/api/v1/settings`), so a token in it would be no secret. The browser holds the credential
 * instead: a cookie, set here after a login with the token, sent on the UI's own same-origin
 * fetches (`<front>/codec/decode`), and never forwarded to the UI server behind the front.
 *
 * - `GET|POST /gkeflow/login`: the login form; a right token sets the session cookie (HttpOnly,
 *   SameSite=Strict, an HMAC of the token, so it outlives restarts and dies with a new token).
 * - `POST /codec/encode|decode`: the codec, with the cookie or `Authorization: Bearer <token>`.
 * - anything else: proxied to the UI behind, with the cookie; without it pages go to the login
 *   form and other requests get 401.
 * Loopback Host names only (DNS rebinding).
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { PayloadCodec } from '@temporalio/common';
import { answerCodec, hostName, LOOPBACK_HOSTS, tokenMatches, type CodecRoute } from './codec-server';

export interface UiFrontOptions {
  codec: PayloadCodec;
  /** Port on 127.0.0.1 (the Web UI's); 0 picks a free one. */
  port: number;
  /** The UI server behind the front, e.g. http://127.0.0.1:8234. */
  backend: string;
  /** The codec token the login asks for. */
  token: string;
  /** Where the token is, named on the login page (never the token itself). */
  tokenFile?: string;
}

export const SESSION_COOKIE = 'gkeflow-codec-session';
/** The path of the codec under the front; the dev server's `--ui-codec-endpoint` is `<front>/codec`. */
export const CODEC_PATH = '/codec';
export const LOGIN_PATH = '/gkeflow/login';

/** The session cookie's value for a token: an HMAC, so the cookie is not the token. */
export const sessionOf = (token: string): string =>
  crypto.createHmac('sha256', token).update('gkeflow web ui session').digest('base64url');

function cookies(req: http.IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return out;
}

/** The Cookie header without the session cookie: the UI server behind never sees it. */
const withoutSession = (header: string | undefined): string | undefined =>
  header
    ?.split(';')
    .filter((c) => c.split('=')[0]!.trim() !== SESSION_COOKIE)
    .join(';') || undefined;

/** Only a path on this origin may follow the login (no open redirect). */
const localPath = (next: string | null | undefined): string =>
  next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function loginPage(next: string, tokenFile: string | undefined, failed: boolean): string {
  const where = tokenFile ? `the token in <code>${escapeHtml(tokenFile)}</code>` : 'the codec token';
  return `<!doctype html><meta charset="utf-8"><title>gkeflow: Web UI login</title>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
<h1>gkeflow Web UI</h1>
<p>Payloads are encrypted. To read them here, paste ${where} (mode 0600, readable by you only).</p>
${failed ? '<p role="alert" style="color: #b00">That is not the token.</p>' : ''}
<form method="post" action="${LOGIN_PATH}">
<input type="hidden" name="next" value="${escapeHtml(next)}">
<label>Token <input type="password" name="token" autocomplete="off" autofocus size="70"></label>
<button type="submit">Log in</button>
</form></body>`;
}

async function formBody(req: http.IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const c of req as AsyncIterable<Buffer>) {
    text += c.toString('utf8');
    if (text.length > 4096) throw new Error('form too large');
  }
  return new URLSearchParams(text);
}

/** Starts the front; resolves with the listening server. */
export function startUiFront(o: UiFrontOptions): Promise<http.Server> {
  const session = sessionOf(o.token);
  const backend = new URL(o.backend);
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const html = (code: number, body: string, headers: http.OutgoingHttpHeaders = {}) => {
      res.writeHead(code, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers });
      res.end(body);
    };
    if (!LOOPBACK_HOSTS.has(hostName(req))) return send(403, { message: 'host name not allowed' });
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === LOGIN_PATH) {
      if (req.method === 'GET')
        return html(200, loginPage(localPath(url.searchParams.get('next')), o.tokenFile, false));
      if (req.method !== 'POST') return send(405, { message: `GET or POST ${LOGIN_PATH}` });
      formBody(req)
        .then((form) => {
          const next = localPath(form.get('next'));
          if (!tokenMatches(form.get('token')?.trim() ?? undefined, o.token))
            return html(401, loginPage(next, o.tokenFile, true));
          html(303, '', {
            location: next,
            'set-cookie': `${SESSION_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000`,
          });
        })
        .catch((e: Error) => send(400, { message: e.message }));
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const authorised = tokenMatches(cookies(req).get(SESSION_COOKIE), session);
    const codec = new RegExp(`^${CODEC_PATH}/(encode|decode)/?$`).exec(url.pathname);
    if (codec) {
      if (req.method !== 'POST') return send(404, { message: `POST ${CODEC_PATH}/encode or /decode` });
      if (!authorised && !tokenMatches(bearer, o.token)) return send(401, { message: 'a valid token is required' });
      return answerCodec(o.codec, codec[1] as CodecRoute, req, send);
    }
    if (!authorised) {
      const page = req.method === 'GET' && (req.headers.accept ?? '').includes('text/html');
      if (!page) return send(401, { message: `log in first: ${LOGIN_PATH}` });
      res.writeHead(303, { location: `${LOGIN_PATH}?next=${encodeURIComponent(url.pathname + url.search)}` });
      return res.end();
    }
    // The Host stays the front's, so any absolute URL the UI makes points back here.
    const headers = { ...req.headers, cookie: withoutSession(req.headers.cookie) };
    if (!headers.cookie) delete headers.cookie;
    const upstream = http.request(
      { host: backend.hostname, port: backend.port, method: req.method, path: req.url, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (e) => {
      if (!res.headersSent) send(502, { message: `the Web UI behind the front: ${e.message}` });
      else res.destroy();
    });
    req.pipe(upstream);
  };
  const server = http.createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve(server));
  });
}
