/**
 * One load balancer of the local data plane: a TCP listener on the Service's loopback IP and
 * port that spreads connections over the Service's ready pods (round robin, per connection).
 * A pod of the demo image gets the connection piped to its real server; any other pod, which
 * cannot run here, gets an honest simulated HTTP answer naming it.
 */
import http from 'node:http';
import net from 'node:net';

/** Where a connection for one pod goes. */
export interface Backend {
  pod: string;
  image: string;
  /** Port of the pod's real server on 127.0.0.1; absent for simulated pods. */
  port?: number;
}

/** The listener of one Service port. */
export class LoadBalancer {
  private next = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly simulated: http.Server;

  private constructor(
    readonly ip: string,
    readonly port: number,
    private readonly server: net.Server,
    private backends: () => Backend[],
  ) {
    this.simulated = http.createServer((req, res) => {
      const b = (req.socket as net.Socket & { backend?: Backend }).backend;
      const body = simulatedPage(b);
      res.writeHead(b ? 200 : 503, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        ...(b ? { 'X-Pod-Name': b.pod, 'X-Gkeflow-Simulated': 'true' } : {}),
        Connection: 'close',
      });
      res.end(body);
    });
    server.on('connection', (s) => this.accept(s));
  }

  /** Listens on ip:port; rejects with the listen error (EADDRINUSE, EADDRNOTAVAIL …). */
  static async listen(ip: string, port: number, backends: () => Backend[]): Promise<LoadBalancer> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: ip, port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new LoadBalancer(ip, port, server, backends);
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const ready = this.backends();
    const b = ready.length ? ready[this.next++ % ready.length] : undefined;
    if (b?.port !== undefined) {
      const upstream = net.connect({ host: '127.0.0.1', port: b.port });
      upstream.on('error', () => socket.destroy());
      socket.once('close', () => upstream.destroy());
      upstream.once('close', () => socket.destroy());
      socket.pipe(upstream).pipe(socket);
      return;
    }
    (socket as net.Socket & { backend?: Backend }).backend = b;
    this.simulated.emit('connection', socket);
  }

  /** Stops listening and drops open connections; resolves when the port is free. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The honest answer of a pod that cannot run here (or of no pod at all). */
export function simulatedPage(b: Backend | undefined): string {
  if (!b) return '<!doctype html><title>no ready pod</title><h1>503: no ready pod behind this load balancer</h1>\n';
  return (
    `<!doctype html>\n<html><head><meta charset="utf-8"><title>gkeflow · ${esc(b.pod)} (simulated)</title></head>\n` +
    `<body><h1>Pod <b id="pod">${esc(b.pod)}</b> (simulated)</h1>` +
    `<p>This answer is simulated by gkeflow's local data plane: the pod's image <code>${esc(b.image)}</code> ` +
    `cannot run on the local target (its pods are simulated by kwok), so no container of it served this page. ` +
    `Pods of <code>builtin:demo</code> run for real.</p></body></html>\n`
  );
}
