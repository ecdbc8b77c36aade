/**
 * The HTTP load balancer GKE's Ingress controller makes, on the Ingress's loopback address:
 * each request is routed by the Ingress's rules (host, then the longest matching path; Exact,
 * Prefix, and ImplementationSpecific as GKE reads it: `/x/*` a prefix, anything else exact), else
 * to its default backend, else to GKE's default backend (404 "default backend - 404"); then
 * spread round robin over the ready pods of the backend Service. A demo pod gets the request
 * proxied to its real server; any other pod gets the honest simulated page. Like Google's load
 * balancer, answers carry `Via: 1.1 google`.
 */
import http from 'node:http';
import type { V1HTTPIngressPath, V1Ingress, V1IngressBackend } from '@kubernetes/client-node';
import { simulatedPage, type Backend } from './load-balancer';

/** The Service a request goes to. */
export interface IngressRoute {
  service: string;
  port: number | string | undefined;
}

const hostMatches = (rule: string | undefined, host: string) => {
  if (!rule) return true;
  if (rule.startsWith('*.')) {
    const rest = host.slice(host.indexOf('.') + 1);
    return host.includes('.') && rest === rule.slice(2);
  }
  return rule === host;
};

/** How well `p` matches `path`: its length (longer wins, Exact over Prefix), or -1. */
function pathScore(p: V1HTTPIngressPath, path: string): number {
  const want = p.path ?? '/';
  const type = p.pathType ?? 'ImplementationSpecific';
  if (type === 'Exact') return want === path ? want.length * 2 + 1 : -1;
  let prefix: string | undefined;
  if (type === 'Prefix') prefix = want.replace(/\/+$/, '');
  else if (want.endsWith('/*')) prefix = want.slice(0, -2);
  if (prefix === undefined) return want === path ? want.length * 2 + 1 : -1;
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`) ? prefix.length * 2 : -1;
}

const routeOf = (b: V1IngressBackend | undefined): IngressRoute | undefined =>
  b?.service ? { service: b.service.name, port: b.service.port?.number ?? b.service.port?.name } : undefined;

/** Where an Ingress sends a request for `host` and `path` (undefined: GKE's default backend). */
export function ingressRoute(ing: V1Ingress, host: string, path: string): IngressRoute | undefined {
  const bare = host.replace(/:\d+$/, '').toLowerCase();
  const rules = ing.spec?.rules ?? [];
  // A rule naming the host exactly beats a wildcard, which beats a rule without host.
  const rank = (h: string | undefined) => (!h ? 0 : h.startsWith('*.') ? 1 : 2);
  const candidates = rules.filter((r) => hostMatches(r.host, bare)).sort((a, b) => rank(b.host) - rank(a.host));
  for (const rule of candidates) {
    let best: { score: number; p: V1HTTPIngressPath } | undefined;
    for (const p of rule.http?.paths ?? []) {
      const score = pathScore(p, path);
      if (score >= 0 && (!best || score > best.score)) best = { score, p };
    }
    if (best) return routeOf(best.p.backend);
  }
  return routeOf(ing.spec?.defaultBackend);
}

/** The listener of one Ingress address (port 80). */
export class IngressProxy {
  private next = 0;
  private readonly server: http.Server;

  private constructor(
    readonly ip: string,
    readonly port: number,
    ingress: () => V1Ingress | undefined,
    backends: (service: string) => Backend[],
  ) {
    this.server = http.createServer((req, res) => this.serve(req, res, ingress(), backends));
  }

  /**
   * Listens on ip:port; `ingress()` is the Ingress as last listed, `backends(service)` the ready
   * pods behind a Service of its namespace. Rejects with the listen error.
   */
  static async listen(
    ip: string,
    port: number,
    ingress: () => V1Ingress | undefined,
    backends: (service: string) => Backend[],
  ): Promise<IngressProxy> {
    const proxy = new IngressProxy(ip, port, ingress, backends);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen({ host: ip, port, exclusive: true }, () => {
        proxy.server.off('error', reject);
        resolve();
      });
    });
    return proxy;
  }

  private serve(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    ing: V1Ingress | undefined,
    backends: (service: string) => Backend[],
  ): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = ing && ingressRoute(ing, req.headers.host ?? '', path);
    if (!route) return plain(res, 404, 'default backend - 404\n');
    const ready = backends(route.service);
    const b = ready.length ? ready[this.next++ % ready.length] : undefined;
    if (!b) return plain(res, 503, `no ready pod behind Service ${route.service}\n`);
    if (b.port === undefined) {
      const body = simulatedPage(b);
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        'X-Pod-Name': b.pod,
        'X-Gkeflow-Simulated': 'true',
        Via: '1.1 google',
      });
      return void res.end(body);
    }
    const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: b.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-for': forwardedFor, via: '1.1 google' },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, { ...up.headers, via: '1.1 google' });
        up.pipe(res);
      },
    );
    upstream.on('error', () => (res.headersSent ? res.destroy() : plain(res, 502, 'upstream pod failed\n')));
    req.pipe(upstream);
  }

  /** Stops listening and drops open connections; resolves when the port is free. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

function plain(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Via: '1.1 google' });
  res.end(body);
}
