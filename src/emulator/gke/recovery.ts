/**
 * What a restarted emulator does with the state it finds. Operations the last run left
 * unfinished resume under their own names, as on GKE (whose frontends restart without aborting
 * anything): a create brings its control plane up, a delete removes it, a pool change brings the
 * nodes to their count, and each ends DONE for whoever polls it. Operations without a plan (state
 * written before resumes existed) end ABORTED and their clusters settle (a half-created cluster
 * is ERROR, a half-deleted one is deleted). Every kwok control plane is started again, two at a
 * time (2 cores); one that does not start leaves its cluster ERROR and fails the operation on it.
 */
import { runtimeOf, type Core } from './context';
import { clusterOperation } from './lifecycle';
import { clusterId, clusterPath } from './names';
import { poolOperation } from './pools';
import type { ClusterRecord, OperationRecord } from '../store/store';

async function inBatches<T>(items: T[], size: number, fn: (t: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/** Restarts the control planes of the stored clusters and resumes or settles interrupted operations. */
export async function recover(core: Core): Promise<void> {
  const resumed = core.store.unfinishedOperations().filter((o) => o.plan && core.store.clusterOf(o));
  core.store.settleAfterRestart(new Set(resumed.map((o) => o.name)));
  const resuming = new Set(resumed.map((o) => o.clusterId));
  const clusters = core.store.allClusters();
  const stopping = clusters.filter((c) => c.status === 'STOPPING' && !resuming.has(clusterId(c)));
  await inBatches(stopping, 2, async (c) => {
    core.store.recordLeaks(
      await runtimeOf(core, c)
        .delete(c)
        .catch(() => []),
    );
    core.store.finishDelete(c);
  });
  const live = clusters.filter(
    (c: ClusterRecord) => c.controlPlane === 'kwok' && c.access?.kwokName && c.status !== 'STOPPING',
  );
  const broken = new Map<string, string>();
  await inBatches(live, 2, async (c) => {
    try {
      const access = await runtimeOf(core, c).restore(c);
      core.store.recordAccess(c, access);
      core.log(`restarted the control plane of ${clusterPath(c)} at ${access.endpoint}`);
    } catch (e) {
      const message = `control plane did not restart: ${(e as Error).message.split('\n')[0]}`;
      core.store.markError(c, message);
      broken.set(clusterId(c), message);
      core.log(`${clusterPath(c)}: ${message}`);
    }
  });
  for (const op of resumed) resume(core, op, broken.get(op.clusterId));
  core.store.flush();
}

/** Runs an interrupted operation again under its name; on a cluster whose control plane did not restart, it fails. */
function resume(core: Core, op: OperationRecord, broken: string | undefined): void {
  const c = core.store.clusterOf(op);
  const plan = op.plan;
  if (!c || !plan) return;
  const key = { project: c.project, location: c.location, cluster: c.cluster };
  const spec = 'pool' in plan ? poolOperation(core, key, plan, op.fault) : clusterOperation(core, key, plan, op.fault);
  core.log(`resuming ${op.operationType} ${op.name} on ${clusterPath(key)}`);
  if (!broken) return core.ops.resume(op, spec);
  core.ops.resume(op, {
    ...spec,
    fault: undefined,
    work: () => Promise.reject(new Error(broken)),
    onError: (err, workDone) => {
      spec.onError?.(err, workDone);
      core.store.markError(key, broken);
    },
  });
}

/** Stops every kwok control plane (state kept), e.g. when the emulator stops. */
export async function stopControlPlanes(core: Core): Promise<void> {
  const live = core.store.allClusters().filter((c) => c.controlPlane === 'kwok' && c.access?.kwokName);
  await Promise.all(
    live.map((c) =>
      runtimeOf(core, c)
        .stop(c)
        .catch((e: Error) => core.log(`stopping ${clusterPath(c)}: ${e.message}`)),
    ),
  );
}

/**
 * Deletes every cluster with its control plane, and all operations and leak records (admin
 * reset). The API keeps serving meanwhile, so a cluster created while the reset deletes the
 * others is deleted too: the reset repeats until no operation runs and no cluster is left, and
 * forgets everything in that same turn of the event loop (no request can come in between).
 */
export async function resetAll(core: Core): Promise<void> {
  for (;;) {
    await core.ops.abortAll();
    const clusters = core.store.allClusters();
    if (!clusters.length) break;
    await inBatches(clusters, 3, async (c) => {
      await runtimeOf(core, c).delete(c);
      core.store.finishDelete(c);
    });
  }
  core.store.clear();
}
