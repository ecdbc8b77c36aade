/**
 * What the lifecycle functions share: the store, the operations, the settings, the fault
 * injector, and the control-plane runtime of each cluster.
 */
import { failedPrecondition } from '../errors';
import type { FaultInjector } from '../faults';
import type { Settings } from '../settings';
import type { ControlPlaneRuntime } from '../runtime';
import type { ClusterRecord, EmulatorStore } from '../store/store';
import type { Operations } from './operations';

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

/** Refuses changes to a cluster that is not RUNNING (or is busy with another operation). */
export function assertChangeable(core: Core, c: ClusterRecord): void {
  core.ops.assertIdle(c);
  if (c.status !== 'RUNNING') throw failedPrecondition(`Cluster ${c.cluster} is ${c.status} and cannot be updated.`);
}
