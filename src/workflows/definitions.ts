/**
 * The environment workflow's message types: updates `scale`, `resize`, `teardown` and the
 * `status` query. Clients (the CLI) import these to call the workflow by name with types.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { EnvironmentStatus, ResourceKind } from './input';
import type { Leftover } from './errors';

/** Argument of the `scale` update. */
export interface ScaleRequest {
  replicas: number;
}
/** Argument of the `resize` update. */
export interface ResizeRequest {
  pool: string;
  nodeCount: number;
}
/** Argument of the `teardown` update (pass {} for none). */
export interface TeardownRequest {
  reason?: string;
}
/** Result of the `teardown` update (and of the workflow once torn down). */
export interface TeardownResult {
  envId: string;
  reason: string;
  cleaned: ResourceKind[];
  leftovers: Leftover[];
}

/** Scale the Deployment; resolves with the ready replicas once the rollout finished. */
export const scaleUpdate = defineUpdate<{ readyReplicas: number }, [ScaleRequest]>('scale');
/** Resize a node pool; resolves once GKE finished the operation. */
export const resizeUpdate = defineUpdate<{ pool: string; nodeCount: number }, [ResizeRequest]>('resize');
/**
 * Tear the environment down (Service → Deployment → cluster); resolves when done with what was
 * cleaned and what was left (then the run fails with CleanupIncompleteError), and the run ends.
 */
export const teardownUpdate = defineUpdate<TeardownResult, [TeardownRequest]>('teardown');
/** Where the environment stands: phase, resources, endpoint, expiry, last error, steps done. */
export const statusQuery = defineQuery<EnvironmentStatus>('status');
