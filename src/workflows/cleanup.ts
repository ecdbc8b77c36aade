/**
 * The saga's compensation runner, shared by the environment workflow and teardownWorkflow.
 * Deletes run in the order given (Service → Deployment → cluster → image tag), in a
 * non-cancellable scope so a cancel cannot interrupt cleanup, each with its own retries. A
 * failure is recorded and cleanup continues, except that a Service which could not be deleted
 * keeps its cluster alive: deleting the cluster would leak the Service's cloud load balancer.
 */
import { CancellationScope } from '@temporalio/workflow';
import { describeError, type Leftover } from './errors';
import type { ResourceKind } from './input';

/** One delete to run. `run` must be idempotent (activities treat NOT_FOUND as done). */
export interface CleanupTarget {
  kind: ResourceKind;
  name: string;
  run: () => Promise<unknown>;
}

/** What cleanup achieved. */
export interface CleanupResult {
  cleaned: ResourceKind[];
  leftovers: Leftover[];
}

/** Runs targets in order without cancellation; reports each state change through onState. */
export function runCleanup(targets: CleanupTarget[], onState: (kind: ResourceKind, state: 'deleting' | 'deleted' | 'cleanup-failed') => void = () => undefined): Promise<CleanupResult> {
  return CancellationScope.nonCancellable(async () => {
    const result: CleanupResult = { cleaned: [], leftovers: [] };
    for (const t of targets) {
      const serviceLeft = result.leftovers.some((l) => l.kind === 'service');
      if (t.kind === 'cluster' && serviceLeft) {
        result.leftovers.push({ kind: t.kind, name: t.name, error: 'kept: its LoadBalancer Service could not be deleted, and deleting the cluster would leak the load balancer' });
        onState(t.kind, 'cleanup-failed');
        continue;
      }
      onState(t.kind, 'deleting');
      try {
        await t.run();
        result.cleaned.push(t.kind);
        onState(t.kind, 'deleted');
      } catch (err) {
        result.leftovers.push({ kind: t.kind, name: t.name, error: describeError(err) });
        onState(t.kind, 'cleanup-failed');
      }
    }
    return result;
  });
}
