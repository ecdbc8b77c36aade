/**
 * The fleet health sweep's contract: its workflow id (one per owner, project and location), what
 * an environment tells it to watch (its *expectation*: what drift.ts compares a report with), the
 * sweepHealth activity's input and result, and the signals between the sweep and the environments.
 * Plain JSON only (it goes into history): never a credential. Workflow-safe.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { EnvRef } from './environment-id';
import type { HealthReport } from './cluster-io';
import type { DurationLike } from './workflow-input';

/** The workflow type of the sweep. */
export const FLEET_HEALTH_WORKFLOW = 'fleetHealthWorkflow';

/** What every sweep workflow id starts with. */
export const HEALTH_ID_PREFIX = 'gkeflow-health/';

/**
 * The sweep's workflow id: `gkeflow-health/<target>/<project>/<location>/<owner>` (`unowned` for a
 * run without an owner). Derived from the environment's input alone (so a replay computes the same
 * id), and every environment of one installation in one project and location finds the same sweep;
 * the target is part of it because the sweep must run on that target's workers (one task queue per
 * target: it is started on its first environment's queue).
 */
export function formatHealthSweepId(c: {
  target: string;
  project: string;
  location: string;
  owner?: string | undefined;
}): string {
  return `${HEALTH_ID_PREFIX}${c.target}/${c.project}/${c.location}/${c.owner || 'unowned'}`;
}

/** What the sweep compares a health report with: the state gkeflow left the environment in. */
export interface HealthExpectation {
  /** The environment (its id is its workflow id, the one the sweep signals). */
  env: EnvRef;
  namespace: string;
  service: string;
  /** gkeflow's own Deployment; absent for an app (its manifests hold the workloads). */
  deployment?: string;
  /** Expected nodes per zone per pool, as gkeflow last set them. */
  poolSizes: Record<string, number>;
  /** Pools with autoscaling: their size is not drift. */
  autoscaledPools: string[];
  /** Expected available replicas of the Deployment. */
  replicas: number;
  /** The Service's external IP at provisioning (the endpoint's host). */
  endpointIp?: string;
}

/** One environment on the sweep's watch list. */
export interface WatchEntry {
  expectation: HealthExpectation;
  /** How often this environment wants to be checked (ms); the sweep runs at the smallest. */
  intervalMs: number;
  /** What the environment itself last concluded: `healthy`, or its drift cause. The sweep signals on a change. */
  verdict: string;
}

/** sweepHealth's input: the project and location to list once, and what to read per environment. */
export interface SweepHealthInput {
  project: string;
  location: string;
  targets: Array<Pick<HealthExpectation, 'env' | 'namespace' | 'service' | 'deployment'>>;
}

/** sweepHealth's result: one report per environment id, the shape checkHealth returns. */
export interface SweepHealthResult {
  reports: Record<string, HealthReport>;
  /** Clusters the list returned (for the Web UI and the bench). */
  clustersListed: number;
}

/** The sweep's message to an environment whose verdict changed: check yourself now. */
export interface DriftSuspected {
  /** The sweep's verdict: `healthy`, `missing`, or the drift cause it saw. */
  verdict: string;
  /** The sweep's workflow id. */
  sweptBy: string;
}

/** environment → sweep: watch me with this expectation (also re-sent after every change). */
export const watchSignal = defineSignal<[WatchEntry]>('watch');
/** environment → sweep: stop watching me (cleanup began). */
export const unwatchSignal = defineSignal<[{ envId: string }]>('unwatch');
/** sweep → environment: your verdict changed, confirm with your own check. */
export const driftSuspectedSignal = defineSignal<[DriftSuspected]>('driftSuspected');

/** The sweep's `fleet` query. */
export interface FleetHealthStatus {
  watching: Array<{ envId: string; verdict: string }>;
  intervalMs: number;
  sweeps: number;
  /** When the last sweep finished (ISO, workflow time). */
  lastSweepAt?: string;
  lastError?: string;
}
export const fleetQuery = defineQuery<FleetHealthStatus>('fleet');

/** Input of fleetHealthWorkflow (also what it carries across continue-as-new). */
export interface FleetHealthInput {
  project: string;
  location: string;
  /** The watch list, keyed by environment id. */
  watching: Record<string, WatchEntry>;
  /** Continue-as-new after this many history events (or when the server suggests it). Default 2000. */
  historyEventLimit?: number;
  /** Short activity timeout of the sweep (tests pass short ones). Default 2m. */
  sweepTimeout?: DurationLike;
  sweeps?: number;
}
