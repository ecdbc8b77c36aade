/**
 * Node-pool lifecycle: create, delete, resize, autoscaling. Each is an operation on the
 * cluster (which is RECONCILING meanwhile); on a kwok cluster the pool's nodes follow.
 * Requests arrive validated (commands.ts); state changes go through the store.
 */
import { assertChangeable, runtimeOf, type Core } from './context';
import { assertQuota, poolDemand } from './quota';
import { alreadyExists, invalidArgument, notFound } from '../errors';
import type { Fault } from '../faults';
import { clusterPath, type ClusterKey, type PoolKey } from './names';
import type { OperationSpec } from './operations';
import type { Autoscaling, ClusterRecord, OperationPlan, OperationRecord, PoolRecord } from '../store/store';

const poolPath = (k: PoolKey) => `${clusterPath(k)}/nodePools/${k.pool}`;

/** The pool, or NOT_FOUND. */
export function findPool(c: ClusterRecord, k: PoolKey): PoolRecord {
  const p = c.pools.find((x) => x.name === k.pool);
  if (!p) throw notFound(`Not found: ${poolPath(k)}.`);
  return p;
}

type PoolPlan = Extract<OperationPlan, { pool: string }>;

/** What a pool operation does to the pool, beyond the cluster's RECONCILING → RUNNING. */
function poolChange(core: Core, k: PoolKey, plan: PoolPlan) {
  const cluster = () => core.store.cluster(k);
  const pool = () => findPool(cluster(), k);
  const sync = (nodeCount: number) => runtimeOf(core, cluster()).syncPool(cluster(), { ...pool(), nodeCount });
  const backToRunning = () => core.store.setPoolStatus(k, 'RUNNING');
  switch (plan.kind) {
    case 'createNodePool':
      return {
        type: 'CREATE_NODE_POOL',
        delay: 'createNodePool',
        work: () => runtimeOf(core, cluster()).syncPool(cluster(), pool()),
        onDone: backToRunning,
        onError: () => core.store.setPoolStatus(k, 'ERROR'),
      } as const;
    case 'deleteNodePool':
      return {
        type: 'DELETE_NODE_POOL',
        delay: 'deleteNodePool',
        work: () => runtimeOf(core, cluster()).removePool(cluster(), plan.pool),
        onDone: () => core.store.removePool(k),
        onError: backToRunning,
      } as const;
    case 'setNodePoolSize':
      return {
        type: 'SET_NODE_POOL_SIZE',
        delay: 'setNodePoolSize',
        work: () => sync(plan.nodeCount),
        onDone: () => core.store.resizePool(k, plan.nodeCount),
        onError: backToRunning,
      } as const;
    case 'setNodePoolAutoscaling':
      return {
        type: 'UPDATE_CLUSTER',
        delay: 'setNodePoolAutoscaling',
        work: () => sync(plan.nodeCount),
        onDone: () => core.store.resizePool(k, plan.nodeCount, { value: plan.autoscaling }),
        onError: backToRunning,
      } as const;
  }
}

/**
 * The operation that carries out a pool plan (the cluster is RECONCILING meanwhile). Used when
 * the operation starts and again when a restarted emulator resumes it, so the work reads the
 * pool as it is now and is idempotent (nodes are made to match the count).
 */
export function poolOperation(
  core: Core,
  key: ClusterKey,
  plan: PoolPlan,
  fault?: OperationSpec['fault'],
): OperationSpec {
  const k = { ...key, pool: plan.pool };
  const change = poolChange(core, k, plan);
  return {
    cluster: k,
    target: poolPath(k),
    plan,
    fault,
    ...change,
    onDone: () => {
      change.onDone();
      core.store.endReconcile(k);
    },
    onError: () => {
      change.onError();
      core.store.endReconcile(k);
    },
  };
}

const startPoolOperation = (core: Core, k: PoolKey, plan: PoolPlan, fault: Fault | undefined) => {
  core.store.beginReconcile(k);
  return core.ops.start(poolOperation(core, k, plan, fault));
};

/** CreateNodePool: GKE's checks against the cluster (duplicate name, Autopilot, quota). */
export function createNodePool(core: Core, key: ClusterKey, pool: PoolRecord, fault?: Fault): OperationRecord {
  const rec = core.store.cluster(key);
  const k = { ...key, pool: pool.name };
  if (rec.pools.some((p) => p.name === pool.name)) throw alreadyExists(`Already exists: ${poolPath(k)}.`);
  if (rec.autopilot) throw invalidArgument('nodePool: Autopilot clusters manage their node pools');
  assertChangeable(core, rec);
  assertQuota(core, key, poolDemand(pool));
  core.store.addPool(key, pool);
  return startPoolOperation(core, k, { kind: 'createNodePool', pool: pool.name }, fault);
}

/** DeleteNodePool: the pool's nodes go (their pods are rescheduled or stay Pending). */
export function deleteNodePool(core: Core, k: PoolKey, fault?: Fault): OperationRecord {
  const rec = core.store.cluster(k);
  findPool(rec, k);
  assertChangeable(core, rec);
  core.store.setPoolStatus(k, 'STOPPING');
  return startPoolOperation(core, k, { kind: 'deleteNodePool', pool: k.pool }, fault);
}

/** SetNodePoolSize: nodes per zone; quota-checked; nodes added or removed on kwok. */
export function setNodePoolSize(core: Core, k: PoolKey, nodeCount: number, fault?: Fault): OperationRecord {
  const rec = core.store.cluster(k);
  const pool = findPool(rec, k);
  assertChangeable(core, rec);
  assertQuota(core, k, poolDemand(pool, nodeCount - pool.nodeCount));
  core.store.setPoolStatus(k, 'RECONCILING');
  return startPoolOperation(core, k, { kind: 'setNodePoolSize', pool: k.pool, nodeCount }, fault);
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
  const plan = { kind: 'setNodePoolAutoscaling', pool: k.pool, nodeCount: target, autoscaling: a } as const;
  return startPoolOperation(core, k, plan, fault);
}
