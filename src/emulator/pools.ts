/**
 * Node-pool lifecycle: create, delete, resize, autoscaling. Each is an operation on the
 * cluster (which is RECONCILING meanwhile); on a kwok cluster the pool's nodes follow.
 */
import { alreadyExists, invalidArgument, notFound } from './errors';
import { assertChangeable, assertQuota, runtimeOf, type Core } from './core';
import type { Fault } from './faults';
import { clusterPath, type ClusterKey, type PoolKey } from './names';
import type { ClusterRecord, OperationRecord, PoolRecord } from './store';
import { checkAutoscaling, checkNodeCount, checkPool } from './validate';

const poolPath = (k: PoolKey) => `${clusterPath(k)}/nodePools/${k.pool}`;

/** The pool, or NOT_FOUND. */
export function findPool(c: ClusterRecord, k: PoolKey): PoolRecord {
  const p = c.pools.find((x) => x.name === k.pool);
  if (!p) throw notFound(`Not found: ${poolPath(k)}.`);
  return p;
}

const nodesOf = (p: Pick<PoolRecord, 'nodeCount' | 'locations'>) => p.nodeCount * p.locations.length;

function poolOperation(core: Core, rec: ClusterRecord, k: PoolKey, type: string, delay: 'createNodePool' | 'deleteNodePool' | 'setNodePoolSize' | 'setNodePoolAutoscaling', fault: Fault | undefined, work: () => Promise<void>, onDone: () => void, onError?: () => void): OperationRecord {
  rec.status = 'RECONCILING';
  core.store.save();
  return core.ops.start({
    cluster: k,
    type,
    target: poolPath(k),
    delay,
    fault,
    work,
    onDone: () => {
      onDone();
      rec.status = 'RUNNING';
    },
    onError: () => {
      onError?.();
      rec.status = 'RUNNING';
    },
  });
}

/** CreateNodePool: validated like GKE (name rules, machine type, counts, duplicates). */
export function createNodePool(core: Core, key: ClusterKey, nodePool: unknown, fault?: Fault): OperationRecord {
  const rec = core.store.cluster(key);
  const pool = checkPool(nodePool, 'nodePool', rec.locations);
  const k = { ...key, pool: pool.name };
  if (rec.pools.some((p) => p.name === pool.name)) throw alreadyExists(`Already exists: ${poolPath(k)}.`);
  if (rec.autopilot) throw invalidArgument('nodePool: Autopilot clusters manage their node pools');
  assertChangeable(core, rec);
  assertQuota(core, key.project, { nodes: nodesOf(pool) });
  rec.pools.push(pool);
  return poolOperation(
    core,
    rec,
    k,
    'CREATE_NODE_POOL',
    'createNodePool',
    fault,
    () => runtimeOf(core, rec).syncPool(rec, pool),
    () => (pool.status = 'RUNNING'),
    () => (pool.status = 'ERROR'),
  );
}

/** DeleteNodePool: the pool's nodes go (their pods are rescheduled or stay Pending). */
export function deleteNodePool(core: Core, k: PoolKey, fault?: Fault): OperationRecord {
  const rec = core.store.cluster(k);
  const pool = findPool(rec, k);
  assertChangeable(core, rec);
  pool.status = 'STOPPING';
  return poolOperation(
    core,
    rec,
    k,
    'DELETE_NODE_POOL',
    'deleteNodePool',
    fault,
    () => runtimeOf(core, rec).removePool(rec, pool.name),
    () => (rec.pools = rec.pools.filter((p) => p !== pool)),
    () => (pool.status = 'RUNNING'),
  );
}

/** SetNodePoolSize: nodes per zone; quota-checked; nodes added or removed on kwok. */
export function setNodePoolSize(core: Core, k: PoolKey, nodeCount: unknown, fault?: Fault): OperationRecord {
  const n = checkNodeCount(nodeCount, 'nodeCount');
  const rec = core.store.cluster(k);
  const pool = findPool(rec, k);
  assertChangeable(core, rec);
  assertQuota(core, k.project, { nodes: (n - pool.nodeCount) * pool.locations.length });
  pool.status = 'RECONCILING';
  return poolOperation(
    core,
    rec,
    k,
    'SET_NODE_POOL_SIZE',
    'setNodePoolSize',
    fault,
    () => runtimeOf(core, rec).syncPool(rec, { ...pool, nodeCount: n }),
    () => {
      pool.nodeCount = n;
      pool.status = 'RUNNING';
    },
    () => (pool.status = 'RUNNING'),
  );
}

/** SetNodePoolAutoscaling: like the cluster autoscaler, a pool outside the new bounds is brought into them. */
export function setNodePoolAutoscaling(core: Core, k: PoolKey, autoscaling: unknown, fault?: Fault): OperationRecord {
  const a = checkAutoscaling(autoscaling, 'autoscaling');
  const rec = core.store.cluster(k);
  const pool = findPool(rec, k);
  assertChangeable(core, rec);
  const target = a ? Math.min(Math.max(pool.nodeCount, a.minNodeCount), a.maxNodeCount) : pool.nodeCount;
  if (target > pool.nodeCount) assertQuota(core, k.project, { nodes: (target - pool.nodeCount) * pool.locations.length });
  pool.status = 'RECONCILING';
  return poolOperation(
    core,
    rec,
    k,
    'UPDATE_CLUSTER',
    'setNodePoolAutoscaling',
    fault,
    () => runtimeOf(core, rec).syncPool(rec, { ...pool, nodeCount: target }),
    () => {
      pool.autoscaling = a;
      pool.nodeCount = target;
      pool.status = 'RUNNING';
    },
    () => (pool.status = 'RUNNING'),
  );
}
