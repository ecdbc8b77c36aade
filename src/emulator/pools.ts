/**
 * Node-pool lifecycle: create, delete, resize, autoscaling. Each is an operation on the
 * cluster (which is RECONCILING meanwhile); on a kwok cluster the pool's nodes follow.
 * Requests arrive validated (api/commands.ts); state changes go through the store.
 */
import { assertChangeable, assertQuota, poolDemand, runtimeOf, type Core } from './core';
import { alreadyExists, invalidArgument, notFound } from './errors';
import type { Fault } from './faults';
import { clusterPath, type ClusterKey, type PoolKey } from './names';
import type { Autoscaling, ClusterRecord, OperationRecord, PoolRecord } from './store';

const poolPath = (k: PoolKey) => `${clusterPath(k)}/nodePools/${k.pool}`;

/** The pool, or NOT_FOUND. */
export function findPool(c: ClusterRecord, k: PoolKey): PoolRecord {
  const p = c.pools.find((x) => x.name === k.pool);
  if (!p) throw notFound(`Not found: ${poolPath(k)}.`);
  return p;
}

type PoolDelay = 'createNodePool' | 'deleteNodePool' | 'setNodePoolSize' | 'setNodePoolAutoscaling';

/** What a pool operation does: its work, and the pool's transition when it succeeds or fails. */
interface PoolChange {
  type: string;
  delay: PoolDelay;
  work: () => Promise<void>;
  onDone: () => void;
  onError: () => void;
}

function poolOperation(core: Core, k: PoolKey, fault: Fault | undefined, change: PoolChange): OperationRecord {
  core.store.beginReconcile(k);
  return core.ops.start({
    cluster: k,
    type: change.type,
    target: poolPath(k),
    delay: change.delay,
    fault,
    work: change.work,
    onDone: () => {
      change.onDone();
      core.store.endReconcile(k);
    },
    onError: () => {
      change.onError();
      core.store.endReconcile(k);
    },
  });
}

/** CreateNodePool: GKE's checks against the cluster (duplicate name, Autopilot, quota). */
export function createNodePool(core: Core, key: ClusterKey, pool: PoolRecord, fault?: Fault): OperationRecord {
  const rec = core.store.cluster(key);
  const k = { ...key, pool: pool.name };
  if (rec.pools.some((p) => p.name === pool.name)) throw alreadyExists(`Already exists: ${poolPath(k)}.`);
  if (rec.autopilot) throw invalidArgument('nodePool: Autopilot clusters manage their node pools');
  assertChangeable(core, rec);
  assertQuota(core, key, poolDemand(pool));
  core.store.addPool(key, pool);
  return poolOperation(core, k, fault, {
    type: 'CREATE_NODE_POOL',
    delay: 'createNodePool',
    work: () => runtimeOf(core, rec).syncPool(rec, pool),
    onDone: () => core.store.setPoolStatus(k, 'RUNNING'),
    onError: () => core.store.setPoolStatus(k, 'ERROR'),
  });
}

/** DeleteNodePool: the pool's nodes go (their pods are rescheduled or stay Pending). */
export function deleteNodePool(core: Core, k: PoolKey, fault?: Fault): OperationRecord {
  const rec = core.store.cluster(k);
  const pool = findPool(rec, k);
  assertChangeable(core, rec);
  core.store.setPoolStatus(k, 'STOPPING');
  return poolOperation(core, k, fault, {
    type: 'DELETE_NODE_POOL',
    delay: 'deleteNodePool',
    work: () => runtimeOf(core, rec).removePool(rec, pool.name),
    onDone: () => core.store.removePool(k),
    onError: () => core.store.setPoolStatus(k, 'RUNNING'),
  });
}

/** SetNodePoolSize: nodes per zone; quota-checked; nodes added or removed on kwok. */
export function setNodePoolSize(core: Core, k: PoolKey, nodeCount: number, fault?: Fault): OperationRecord {
  const rec = core.store.cluster(k);
  const pool = findPool(rec, k);
  assertChangeable(core, rec);
  assertQuota(core, k, poolDemand(pool, nodeCount - pool.nodeCount));
  core.store.setPoolStatus(k, 'RECONCILING');
  return poolOperation(core, k, fault, {
    type: 'SET_NODE_POOL_SIZE',
    delay: 'setNodePoolSize',
    work: () => runtimeOf(core, rec).syncPool(rec, { ...pool, nodeCount }),
    onDone: () => core.store.resizePool(k, nodeCount),
    onError: () => core.store.setPoolStatus(k, 'RUNNING'),
  });
}

/** SetNodePoolAutoscaling: like the cluster autoscaler, a pool outside the new bounds is brought into them. */
export function setNodePoolAutoscaling(
  core: Core,
  k: PoolKey,
  autoscaling: Autoscaling | undefined,
  fault?: Fault,
): OperationRecord {
  const rec = core.store.cluster(k);
  const pool = findPool(rec, k);
  assertChangeable(core, rec);
  const a = autoscaling;
  const target = a ? Math.min(Math.max(pool.nodeCount, a.minNodeCount), a.maxNodeCount) : pool.nodeCount;
  if (target > pool.nodeCount) assertQuota(core, k, poolDemand(pool, target - pool.nodeCount));
  core.store.setPoolStatus(k, 'RECONCILING');
  return poolOperation(core, k, fault, {
    type: 'UPDATE_CLUSTER',
    delay: 'setNodePoolAutoscaling',
    work: () => runtimeOf(core, rec).syncPool(rec, { ...pool, nodeCount: target }),
    onDone: () => core.store.resizePool(k, target, { value: a }),
    onError: () => core.store.setPoolStatus(k, 'RUNNING'),
  });
}
