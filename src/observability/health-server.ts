/**
 * The worker's HTTP endpoint for Kubernetes and Prometheus: /healthz (the process is up),
 * /readyz (connected to Temporal and polling: 503 as soon as either stops), /metrics (gkeflow's
 * own metrics). Binds where GKEFLOW_HEALTH_ADDRESS says.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthServerOptions {
  host: string;
  port: number;
  /** Why the worker is not ready, or undefined when it is. */
  notReady: () => Promise<string | undefined>;
  /** The /metrics body. */
  metrics: () => Promise<string>;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/** Starts the endpoint; close() stops it. */
export async function startHealthServer(o: HealthServerOptions): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const send = (status: number, body: string, type = 'text/plain') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const route = req.url?.split('?')[0];
    const answer = async () => {
      if (route === '/healthz') return send(200, 'ok\n');
      if (route === '/readyz') {
        const why = await o.notReady();
        return why ? send(503, `not ready: ${why}\n`) : send(200, 'ready\n');
      }
      if (route === '/metrics') return send(200, await o.metrics(), 'text/plain; version=0.0.4');
      send(404, 'not found\n');
    };
    answer().catch((e: Error) => send(500, `${e.message}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
