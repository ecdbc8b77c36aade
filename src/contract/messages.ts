/**
 * The workflows' names and the environment workflow's messages: updates `scale`, `resize`,
 * `extend`, `teardown` and the `status` query. Clients (the CLI, the reaper's activities) import
 * these to call the workflows by name with types. Workflow-safe (defineUpdate/defineQuery only).
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ResourceKind } from './resource-kinds';
import type { EnvironmentStatus } from './workflow-input';
import type { EnvironmentSpec } from './environment-spec';

/** The name to start: `environmentWorkflow`. */
export const ENVIRONMENT_WORKFLOW = 'environmentWorkflow';
export const TEARDOWN_WORKFLOW = 'teardownWorkflow';

/** A resource that could not be deleted. */
export interface Leftover {
  kind: ResourceKind;
  name: string;
  error: string;
}

/** Argument of the `scale` update. */
export interface ScaleRequest {
  replicas: number;
}
/** Argument of the `resize` update. */
export interface ResizeRequest {
  pool: string;
  nodeCount: number;
}
/** Argument of the `extend` update: the new time to live, counted from now (`2h`, `1h30m`). */
export interface ExtendRequest {
  ttl: string;
}
/** Result of the `extend` update. */
export interface ExtendResult {
  /** The new expiry (ISO time); the cluster's `gkeflow-expires-at` label says the same. */
  expiresAt: string;
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
  /** The Artifact Registry repository teardownWorkflow was given: deleted, or why deleteRepository kept it. */
  repository?: { name: string; deleted: boolean; kept?: string };
  /**
   * teardownWorkflow and an environment's teardown: what may still be billed though nothing is
   * left to delete (a LoadBalancer Service, or an app's Services/Ingresses/Gateways, whose cluster
   * was already gone: GKE does not release their load balancers). Not in `cleaned`.
   */
  possibleLeaks?: Leftover[];
}

/** Scale the Deployment; resolves with the ready replicas once the rollout finished. */
export const scaleUpdate = defineUpdate<{ readyReplicas: number }, [ScaleRequest]>('scale');
/** Resize a node pool; resolves once GKE finished the operation. */
export const resizeUpdate = defineUpdate<{ pool: string; nodeCount: number }, [ResizeRequest]>('resize');
/**
 * Move the environment's TTL: it now expires `ttl` from now. Rewrites the cluster's
 * `gkeflow-expires-at` label (so the reaper agrees), then moves the timer; runs in turn with
 * scale and resize.
 */
export const extendUpdate = defineUpdate<ExtendResult, [ExtendRequest]>('extend');
/**
 * Tear the environment down (Service → Deployment → cluster); resolves when done with what was
 * cleaned and what was left (then the run fails with CleanupIncompleteError), and the run ends.
 */
export const teardownUpdate = defineUpdate<TeardownResult, [TeardownRequest]>('teardown');
/** A changed spec for a running app environment (`gkeflow up` on a running one). */
export interface ApplySpecRequest {
  spec: EnvironmentSpec;
}
/** What an `apply` update did: the changed fields, the members applied and pruned, the endpoint. */
export interface ApplySpecResult {
  changed: string[];
  applied: string[];
  pruned: string[];
  endpoint?: string;
}
/**
 * Apply a changed spec to a running app environment: a new image is pushed (a new digest rolls
 * out), the new bundle is applied, and members it no longer holds are pruned. Runs in turn with
 * scale, resize and extend; fields an update cannot change are refused by its validator.
 */
export const applySpecUpdate = defineUpdate<ApplySpecResult, [ApplySpecRequest]>('apply');
/** The spec the environment runs with (what `up` diffs a changed spec against). */
export const specQuery = defineQuery<EnvironmentSpec>('spec');
/** Where the environment stands: phase, resources, endpoint, expiry, last error, steps done. */
export const statusQuery = defineQuery<EnvironmentStatus>('status');
