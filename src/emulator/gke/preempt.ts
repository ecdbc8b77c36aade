/**
 * Spot preemption as a fault: Compute Engine takes a Spot VM back (its Node object goes, the
 * pods on it are deleted by Kubernetes and rescheduled where they fit) and the pool's managed
 * instance group makes it again after `downMs`. The node pool stays RUNNING throughout, as on GKE.
 * Driven from the admin endpoint (`POST /preempt`), so chaos tests choose the moment.
 */
import { failedPrecondition, invalidArgument } from '../errors';
import { runtimeOf, type Core } from './context';
import { parseClusterName, clusterPath } from './names';
import { findPool } from './pools';

/** What a preemption did. */
export interface Preemption {
  cluster: string;
  pool: string;
  node: string;
  downMs: number;
}

/** Preempts one node of a Spot pool (the first Spot pool when `pool` is absent); it comes back after downMs. */
export async function preemptSpotNode(
  core: Core,
  req: { cluster?: unknown; pool?: unknown; downMs?: unknown },
): Promise<Preemption> {
  const key = parseClusterName(req.cluster, {}, 'cluster');
  const c = core.store.cluster(key);
  const downMs = req.downMs ?? 2000;
  if (typeof downMs !== 'number' || !Number.isInteger(downMs) || downMs < 0)
    throw invalidArgument('downMs: must be a whole number of milliseconds ≥ 0');
  const pool =
    typeof req.pool === 'string' ? findPool(c, { ...key, pool: req.pool }) : c.pools.find((p) => p.spot === true);
  if (!pool?.spot)
    throw failedPrecondition(
      `${clusterPath(key)} has no Spot node pool${pool ? ` named ${pool.name}` : ''} to preempt`,
    );
  if (c.status !== 'RUNNING') throw failedPrecondition(`${clusterPath(key)} is ${c.status}, not RUNNING`);
  const node = await runtimeOf(core, c).removeOneNode(c, pool.name);
  core.log(`preempted Spot node ${node} of ${clusterPath(key)}/nodePools/${pool.name}; back in ${downMs} ms`);
  setTimeout(() => {
    const now = core.store.findCluster(key);
    if (!now || now.status === 'STOPPING') return;
    const p = now.pools.find((x) => x.name === pool.name);
    if (p)
      runtimeOf(core, now)
        .syncPool(now, p)
        .catch((e: Error) => core.log(`could not recreate preempted node ${node}: ${e.message}`));
  }, downMs).unref();
  return { cluster: clusterPath(key), pool: pool.name, node, downMs };
}
