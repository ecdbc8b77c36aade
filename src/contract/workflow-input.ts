/**
 * What the environment workflow is started with (plain JSON, never a credential), and the
 * state it carries across continue-as-new. Durations are Temporal durations ('30s', 5000).
 */
import type { Duration } from '@temporalio/common';
import type { ResourceKind } from './resource-kinds';
import type { EnvironmentSpec } from './environment-spec';

/** A Temporal duration: a string like '10m' or milliseconds. */
export type DurationLike = Duration;

/** Timeouts and retry knobs; defaults suit real GKE, tests pass short ones. */
export interface ProvisionTuning {
  /** startToClose of quick API calls (apply Service, delete Deployment, delete tag, probe). Default 2m. */
  shortTimeout?: DurationLike;
  /** startToClose of long waits (cluster create/delete, rollout, external IP, resize, push). Default 30m. */
  longTimeout?: DurationLike;
  /** Heartbeat timeout of the long activities. Default 1m. */
  heartbeatTimeout?: DurationLike;
  /** First retry delay; doubles up to 10× this. Default 2s. */
  retryInitialInterval?: DurationLike;
  /** Attempts per activity call before the step fails (transient errors). Default 8. */
  maximumAttempts?: number;
  /** Attempts per compensation (cleanup) call. Default 10. */
  cleanupMaximumAttempts?: number;
  /**
   * Delete the pushed image tag when tearing down, as the spec's `image.deleteOnTeardown` does
   * (either one turns it on). Default false (tags are cheap and cacheable).
   */
  deleteImageOnTeardown?: boolean;
  /** How often the drift check runs; overrides the spec's `healthCheck.interval` (tests use short ones). */
  healthCheckInterval?: DurationLike;
  /**
   * Watch the running environment through its project and location's fleet health sweep
   * (fleetHealthWorkflow: one timer and one activity per interval for all of them) instead of its
   * own drift timer and activity. Default true; false keeps the per-environment check.
   */
  fleetSweep?: boolean;
  /** Continue-as-new once history has this many events (or when the server suggests it). Default 2000 (the reaper's: 5000). */
  historyEventLimit?: number;
}

/** Input of environmentWorkflow. */
export interface ProvisionInput {
  /** The validated, normalised spec (re-validated inside the workflow). */
  spec: EnvironmentSpec;
  tuning?: ProvisionTuning;
  /**
   * The gkeflow-owner label value (labels.ts ownerHash of the namespace and installation, computed
   * by the client that starts the run) stamped on everything the run makes; absent in runs
   * started before owners (their resources then carry none, and the reaper skips them).
   */
  owner?: string;
  /** Present only when continued-as-new: the state of the previous run. */
  carried?: CarriedState;
}

/**
 * Every lifecycle phase, also the values of the GkeflowPhase search attribute. `degraded`: the
 * drift check found a resource not as gkeflow left it (the cause is in status); `lost`: the
 * cluster was deleted outside gkeflow, the run cleaned what remained and ended.
 */
export const PHASES = [
  'validating',
  'provisioning',
  'running',
  'scaling',
  'resizing',
  'degraded',
  'tearing-down',
  'torn-down',
  'lost',
  'failed',
  'updating',
] as const;

/** Lifecycle phase, also the GkeflowPhase search attribute. */
export type Phase = (typeof PHASES)[number];

/** Phases in which scale, resize and extend are accepted. */
export const CHANGEABLE_PHASES: readonly Phase[] = ['running', 'scaling', 'resizing', 'degraded', 'updating'];

/** Phases of a run that has ended (or is ending) its environment. */
export const CLOSED_PHASES: readonly Phase[] = ['tearing-down', 'torn-down', 'lost', 'failed'];

/** State of one resource the environment owns. */
export type ResourceState = 'absent' | 'creating' | 'ready' | 'deleting' | 'deleted' | 'cleanup-failed';

export type { ResourceKind } from './resource-kinds';

/** State that survives continue-as-new. */
export interface CarriedState {
  phase: Phase;
  /** `namespace` only in a namespace environment (spec cluster.existing), whose cluster stays `absent`. */
  resources: Record<Exclude<ResourceKind, 'namespace'>, ResourceState> & { namespace?: ResourceState };
  imageReference?: string;
  /** The Artifact Registry repository gkeflow created for this environment (deleted with the image). */
  repository?: string;
  endpoint?: string;
  replicas: number;
  poolSizes: Record<string, number>;
  stepsDone: number;
  /** Epoch ms when the TTL expires (fixed at first start). */
  expiresAtMs: number;
  lastError?: string;
  probe?: { ok: boolean; status?: number; skipped?: string };
  /** How many times this environment continued-as-new. */
  generation: number;
  /** What the last drift check found wrong (phase `degraded`); absent when healthy or never checked. */
  drift?: string;
  /** Consecutive drift checks that found the cluster missing (the second one ends the run as `lost`). */
  missingChecks?: number;
  /** When the environment's own last drift check ran (ISO time); a sweep's looks are not counted here. */
  checkedAt?: string;
  /**
   * The fleet health sweep's workflow id when one watches this environment: it is then checked on
   * the sweep's interval, and checks itself (checkedAt) only when the sweep saw its verdict change.
   */
  watchedBy?: string;
}

/** The `status` query's answer. */
export interface EnvironmentStatus extends CarriedState {
  envId: string;
  expiresAt: string;
  stepsTotal: number;
}
