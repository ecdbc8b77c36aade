/**
 * What the lifecycle functions share: the store, the operations, the settings, the fault
 * injector, and the control-plane runtime of each cluster.
 */
import crypto from 'node:crypto';
import { scaled, type Settings } from './config';
import { failedPrecondition, resourceExhausted } from './errors';
import type { FaultInjector } from './faults';
import type { Operations } from './operations';
import type { ControlPlaneRuntime } from './runtime';
import type { ClusterRecord, EmulatorStore } from './store';

/** The emulator's shared state and services, passed to every lifecycle function. */
export interface Core {
  store: EmulatorStore;
  ops: Operations;
  /** Frozen; replaced as a whole when the admin endpoint changes it. */
  settings: Settings;
  faults: FaultInjector;
  runtimes: { kwok: ControlPlaneRuntime; none: ControlPlaneRuntime };
  log: (line: string) => void;
}

/** Resource label that picks a cluster's control plane regardless of the emulator's default. */
export const CONTROL_PLANE_LABEL = 'emulator-control-plane';

/** The control-plane runtime of a cluster ('kwok' or 'none', fixed at creation). */
export const runtimeOf = (core: Core, c: ClusterRecord) => core.runtimes[c.controlPlane];

/** GKE's label fingerprint: a hash of the sorted labels. */
export function labelFingerprint(labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return crypto.createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

/** Refuses changes to a cluster that is not RUNNING (or is busy with another operation). */
export function assertChangeable(core: Core, c: ClusterRecord): void {
  core.ops.assertIdle(c);
  if (c.status !== 'RUNNING') throw failedPrecondition(`Cluster ${c.cluster} is ${c.status} and cannot be updated.`);
}

/** RESOURCE_EXHAUSTED when a project would exceed its cluster or node quota. */
export function assertQuota(core: Core, project: string, add: { clusters?: number; nodes?: number }): void {
  const used = core.store.usage(project);
  const q = core.settings.quotas;
  if (add.clusters && used.clusters + add.clusters > q.clustersPerProject) {
    throw resourceExhausted(
      `Insufficient quota to satisfy the request: clusters per project: limit ${q.clustersPerProject}, in use ${used.clusters}.`,
    );
  }
  if (add.nodes && used.nodes + add.nodes > q.nodesPerProject) {
    throw resourceExhausted(
      `Insufficient quota to satisfy the request: nodes per project: limit ${q.nodesPerProject}, in use ${used.nodes}, requested ${add.nodes} more.`,
    );
  }
}

/** LoadBalancer timings for a new kwok cluster at the current delays and speed. */
export const lbTimings = (core: Core) => ({
  provisionMs: scaled(core.settings, 'lbProvision'),
  releaseMs: scaled(core.settings, 'lbRelease'),
});
