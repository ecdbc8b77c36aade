/**
 * A fault-injecting HTTP(S) reverse proxy for tests: it forwards every request to an upstream
 * (resolved per connection, so it can be started before the upstream exists) and answers a
 * share of them itself with an error status instead — Kubernetes API 429/503 in front of a kwok
 * API server, 5xx in front of the registry. Faults are data: a seeded PRNG and a rate, or a
 * burst of the next N requests. Streams (watches, blob uploads) are piped both ways.
 *
 *   const proxy = await startFaultProxy({ upstream: async () => ({ url: 'http://127.0.0.1:5000' }),
 *                                         faults: { rate: 0.3, statuses: [500, 502, 503] } });
 *   proxy.address  // '127.0.0.1:<port>'; proxy.injected  // how many requests it failed
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { seededRandom } from '../../src/emulator/faults';

export interface Upstream {
  /** `http://host:port` or `https://host:port`. */
  url: string;
  /** TLS to the upstream: its CA, and the client certificate the proxy presents (PEM). */
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface FaultPlan {
  /** Share of requests answered with a fault (0–1), drawn from a PRNG seeded by `seed`. */
  rate?: number;
  /** Fail the next N requests, then fall back to `rate`. */
  burst?: number;
  /** Statuses to answer with, cycled in order (default [503]). */
  statuses?: number[];
  /** Only requests whose method and path match (default: every request). */
  match?: (method: string, path: string) => boolean;
  seed?: number;
}

export interface FaultProxyOptions {
  upstream: () => Promise<Upstream>;
  faults?: FaultPlan;
  /** Serve TLS with this certificate and key (PEM), fetched on each new connection. */
  serverTls?: () => Promise<{ cert: string | Buffer; key: string | Buffer }>;
}

export interface FaultProxy {
  address: string;
  port: number;
  /** Requests forwarded / answered with a fault so far. */
  readonly forwarded: number;
  readonly injected: number;
  /** Replaces the fault plan (e.g. none: `{}`). */
  setFaults(plan: FaultPlan): void;
  stop(): Promise<void>;
}

/** A Kubernetes-style Status body, so client libraries parse the fault as the API server's. */
function faultBody(status: number): string {
  const reason = status === 429 ? 'TooManyRequests' : status === 503 ? 'ServiceUnavailable' : 'InternalError';
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    message: `injected fault ${status}`,
    reason,
    code: status,
    errors: [{ message: `injected fault ${status}` }],
  });
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  let plan: FaultPlan = opts.faults ?? {};
  let random = seededRandom(plan.seed ?? 1);
  let burstLeft = plan.burst ?? 0;
  let forwarded = 0;
  let injected = 0;
  let statusIndex = 0;

  const decide = (method: string, path: string): number | undefined => {
    if (plan.match && !plan.match(method, path)) return undefined;
    const statuses = plan.statuses?.length ? plan.statuses : [503];
    const fire = burstLeft > 0 ? (burstLeft--, true) : random() < (plan.rate ?? 0);
    return fire ? statuses[statusIndex++ % statuses.length] : undefined;
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const status = decide(req.method ?? 'GET', req.url ?? '/');
    if (status !== undefined) {
      injected++;
      req.resume();
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(status === 429 || status === 503 ? { 'retry-after': '0' } : {}),
      });
      res.end(faultBody(status));
      return;
    }
    forwarded++;
    opts.upstream().then(
      (up) => {
        const target = new URL(req.url ?? '/', up.url);
        const lib = target.protocol === 'https:' ? https : http;
        const headers = { ...req.headers, host: target.host };
        const out = lib.request(
          target,
          { method: req.method, headers, ca: up.ca, cert: up.cert, key: up.key },
          (upRes) => {
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            upRes.pipe(res);
          },
        );
        out.on('error', (e) => {
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`proxy: ${e.message}`);
        });
        req.pipe(out);
        res.on('close', () => out.destroy());
      },
      (e: Error) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`proxy: no upstream: ${e.message}`);
      },
    );
  };

  const httpServer = http.createServer(handler);
  // TLS is terminated per connection with a certificate looked up then (the upstream's may not exist at start).
  const server = opts.serverTls
    ? net.createServer((socket) => {
        socket.pause();
        opts.serverTls!().then(
          (pair) => {
            const secure = new tls.TLSSocket(socket, {
              isServer: true,
              secureContext: tls.createSecureContext(pair),
            });
            secure.on('error', () => secure.destroy());
            httpServer.emit('connection', secure);
            socket.resume();
          },
          () => socket.destroy(),
        );
      })
    : httpServer;
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    get forwarded() {
      return forwarded;
    },
    get injected() {
      return injected;
    },
    setFaults(p) {
      plan = p;
      random = seededRandom(p.seed ?? 1);
      burstLeft = p.burst ?? 0;
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
