/**
 * Wires a running Worker to the health endpoint: readiness from the worker's state and a live
 * call to Temporal, /metrics from GkeflowMetrics with the phase gauge refreshed at most every 15 s.
 */
import type { NativeConnection, Worker } from '@temporalio/worker';
import { countEnvironmentsByPhase } from './environment-phases';
import { startHealthServer, type HealthServer } from './health-server';
import type { GkeflowMetrics } from './metrics';

const PHASES_TTL_MS = 15_000;

/** Serves /healthz, /readyz and /metrics for `worker` at host:port. */
export function serveWorkerEndpoint(o: {
  host: string;
  port: number;
  worker: Worker;
  connection: NativeConnection;
  namespace: string;
  metrics: GkeflowMetrics;
}): Promise<HealthServer> {
  let phasesAt = 0;
  return startHealthServer({
    host: o.host,
    port: o.port,
    notReady: async () => {
      const state = o.worker.getState();
      if (state !== 'RUNNING') return `worker ${state.toLowerCase()}`;
      try {
        await o.connection.withDeadline(Date.now() + 2000, () => o.connection.workflowService.getSystemInfo({}));
        return undefined;
      } catch (e) {
        return `Temporal unreachable (${(e as Error).message.split('\n')[0]})`;
      }
    },
    metrics: async () => {
      if (Date.now() - phasesAt > PHASES_TTL_MS) {
        // A failed count keeps the last values: a scrape never fails because visibility is slow.
        await countEnvironmentsByPhase(o.connection, o.namespace)
          .then((v) => {
            o.metrics.environments.reset(v);
            phasesAt = Date.now();
          })
          .catch(() => undefined);
      }
      return o.metrics.render();
    },
  });
}
