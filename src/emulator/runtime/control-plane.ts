/** The interface every control-plane runtime implements, and the naming hash they share. */
import crypto from 'node:crypto';
import type { ClusterRecord, ControlPlaneAccess, LeakedLoadBalancer, PoolRecord } from '../store/store';
import type { LoadBalancerTimings } from './kwok-stages';

/** What the lifecycle needs from a control plane. */
export interface ControlPlaneRuntime {
  create(c: ClusterRecord, lb: LoadBalancerTimings): Promise<ControlPlaneAccess>;
  /** Makes the pool's nodes match nodeCount × locations (adds or removes nodes). */
  syncPool(c: ClusterRecord, pool: PoolRecord): Promise<void>;
  removePool(c: ClusterRecord, pool: string): Promise<void>;
  /** Deletes one node of the pool, as Compute Engine preempting a Spot VM; returns its name ('' when none). syncPool makes it again. */
  removeOneNode(c: ClusterRecord, pool: string): Promise<string>;
  /** Deletes the control plane; returns the LoadBalancer Services it still had (leaked). */
  delete(c: ClusterRecord): Promise<LeakedLoadBalancer[]>;
  /** Starts a stopped control plane again (emulator restart). */
  restore(c: ClusterRecord): Promise<ControlPlaneAccess>;
  /** Stops it, keeping its state. */
  stop(c: ClusterRecord): Promise<void>;
}

/** A stable hex hash of a string (node and kwok cluster names, TEST-NET addresses). */
export const hash = (s: string) => crypto.createHash('sha1').update(s).digest('hex');
