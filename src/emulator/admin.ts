/**
 * The admin endpoint (HTTP + JSON on 127.0.0.1): read and change delays, speed and quotas at
 * run time, manage fault rules, list leaked load balancers, fetch a cluster's kubeconfig,
 * reset everything. See docs/emulator.md for the routes.
 *
 * Loopback alone does not keep web pages out: a page can POST a form to 127.0.0.1, and DNS
 * rebinding lets it read answers under its own host name. So every request must name a loopback
 * host, every change must be `application/json` (which no form or no-cors request can send),
 * and an emulator started with --require-auth wants its bearer token here as on the gRPC API.
 */
import http from 'node:http';
import { patchSettings } from './settings';
import type { Core } from './gke/context';
import type { FaultRule } from './faults';
import { clusterPath, parseClusterName } from './gke/names';
import { computeRoute } from './compute';
import { preemptSpotNode } from './gke/preempt';

/** Thrown by admin routes for a bad request body; answered 400. */
class BadRequest extends Error {}

async function body(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 1 << 20) throw new BadRequest('body larger than 1 MiB');
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new BadRequest(`body is not JSON: ${(e as Error).message}`);
  }
}

const obj = (v: unknown, what: string): Record<string, unknown> => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadRequest(`${what} must be a JSON object`);
  return v as Record<string, unknown>;
};

/** The settings as the admin endpoint shows them. */
export function settingsView(core: Core) {
  const s = core.settings;
  return {
    controlPlane: s.controlPlane,
    speed: s.speed,
    delays: s.delays,
    quotas: s.quotas,
    requireAuth: Boolean(s.requireAuth),
  };
}

/** Kubeconfig (embedded admin client certificate) for a cluster with a control plane. */
export function kubeconfigYaml(core: Core, name: string): string {
  const c = core.store.cluster(parseClusterName(name, {}));
  if (!c.access?.clientCertData) throw new BadRequest(`${name} has no control plane`);
  const ctx = `gke_${c.project}_${c.location}_${c.cluster}`;
  return [
    'apiVersion: v1',
    'kind: Config',
    `clusters:\n- name: ${ctx}\n  cluster:\n    server: https://${c.access.endpoint}\n    certificate-authority-data: ${c.access.caData}`,
    `users:\n- name: ${ctx}\n  user:\n    client-certificate-data: ${c.access.clientCertData}\n    client-key-data: ${c.access.clientKeyData}`,
    `contexts:\n- name: ${ctx}\n  context:\n    cluster: ${ctx}\n    user: ${ctx}`,
    `current-context: ${ctx}`,
    '',
  ].join('\n');
}

/** Host names a request may name; anything else is a rebound DNS name. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Why a request may not reach the routes (status and message), or undefined when it may. */
export function refusal(req: http.IncomingMessage, requireAuth: boolean | string): [number, string] | undefined {
  const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
  if (!LOOPBACK_HOSTS.has(host)) return [403, 'the admin endpoint answers only requests to a loopback host name'];
  if (requireAuth) {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m || (typeof requireAuth === 'string' && m[1] !== requireAuth))
      return [401, 'the emulator requires authorization: Bearer <token> (--require-auth)'];
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (req.method !== 'GET' && req.method !== 'HEAD' && type !== 'application/json')
    return [415, `${req.method} requests need content-type: application/json`];
  return undefined;
}

async function route(core: Core, reset: () => Promise<void>, req: http.IncomingMessage): Promise<[number, unknown]> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const key = `${req.method} ${url.pathname.replace(/\/+$/, '') || '/'}`;
  switch (key) {
    case 'GET /healthz':
      return [200, { ok: true }];
    case 'GET /config':
      return [200, settingsView(core)];
    case 'PATCH /config': {
      const b = obj(await body(req), 'body');
      wrap(() => (core.settings = patchSettings(core.settings, b)));
      return [200, settingsView(core)];
    }
    case 'GET /faults':
      return [200, core.faults.list()];
    case 'PUT /faults': {
      const b = obj(await body(req), 'body');
      if (!Array.isArray(b.rules)) throw new BadRequest('rules must be an array of fault rules');
      const seed = b.seed ?? core.faults.list().seed;
      if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new BadRequest('seed must be an integer');
      wrap(() => core.faults.set(b.rules as FaultRule[], seed));
      return [200, core.faults.list()];
    }
    case 'POST /faults': {
      const rule = obj(await body(req), 'body') as unknown as FaultRule;
      wrap(() => core.faults.add(rule));
      return [200, core.faults.list()];
    }
    case 'DELETE /faults':
      core.faults.set([]);
      return [200, core.faults.list()];
    case 'GET /leaks':
      return [200, { leaks: core.store.leaks() }];
    case 'DELETE /leaks':
      core.store.clearLeaks();
      return [200, { leaks: [] }];
    case 'GET /clusters':
      return [
        200,
        {
          clusters: core.store.allClusters().map((c) => ({
            name: clusterPath(c),
            status: c.status,
            controlPlane: c.controlPlane,
            endpoint: c.access?.endpoint ?? '',
            nodes: c.pools.reduce((n, p) => n + p.nodeCount * p.locations.length, 0),
          })),
        },
      ];
    case 'GET /kubeconfig':
      return [200, kubeconfigYaml(core, url.searchParams.get('cluster') ?? '')];
    case 'POST /preempt':
      return [200, await preemptSpotNode(core, obj(await body(req), 'body'))];
    case 'POST /reset':
      await reset();
      return [200, { ok: true }];
    default:
      return (
        (req.method === 'GET' ? computeRoute(url.pathname) : undefined) ?? [
          404,
          { error: `no route ${key}; see docs/emulator.md` },
        ]
      );
  }
}

function wrap(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    throw new BadRequest((e as Error).message);
  }
}

/** HTTP statuses of the emulator's gRPC errors on admin routes: INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION. */
const ADMIN_STATUS: Record<number, number> = { 3: 400, 5: 404, 9: 409 };

/** Starts the admin HTTP server on 127.0.0.1:port (0 = any free port). */
export function startAdmin(core: Core, port: number, reset: () => Promise<void>): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const send = (code: number, payload: unknown) => {
      const text = typeof payload === 'string' ? payload : `${JSON.stringify(payload, null, 2)}\n`;
      res.writeHead(code, { 'content-type': typeof payload === 'string' ? 'application/yaml' : 'application/json' });
      res.end(text);
    };
    const refused = refusal(req, core.settings.requireAuth);
    if (refused) {
      req.resume();
      send(refused[0], { error: refused[1] });
      return;
    }
    route(core, reset, req).then(
      ([code, payload]) => send(code, payload),
      (e: Error) =>
        send(e instanceof BadRequest ? 400 : (ADMIN_STATUS[(e as { code?: number }).code ?? 0] ?? 500), {
          error: e.message,
        }),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
