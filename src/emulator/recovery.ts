/**
 * What a restarted emulator does with the state it finds: operations cut short end ABORTED,
 * their clusters settle (a half-created cluster is ERROR, a half-deleted one is deleted), and
 * every kwok control plane is started again, two at a time (2 cores).
 */
import { runtimeOf, type Core } from './core';
import { clusterPath } from './names';
import type { ClusterRecord } from './store';

async function inBatches<T>(items: T[], size: number, fn: (t: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/** Settles interrupted work and restarts the control planes of the stored clusters. */
export async function recover(core: Core): Promise<void> {
  core.store.settleAfterRestart();
  const clusters = core.store.allClusters();
  const stopping = clusters.filter((c) => c.status === 'STOPPING');
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
  await inBatches(live, 2, async (c) => {
    try {
      const access = await runtimeOf(core, c).restore(c);
      core.store.recordAccess(c, access);
      core.log(`restarted the control plane of ${clusterPath(c)} at ${access.endpoint}`);
    } catch (e) {
      const message = `control plane did not restart: ${(e as Error).message.split('\n')[0]}`;
      core.store.markError(c, message);
      core.log(`${clusterPath(c)}: ${message}`);
    }
  });
  core.store.flush();
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

/** Deletes every cluster with its control plane, and all operations and leak records (admin reset). */
export async function resetAll(core: Core): Promise<void> {
  await core.ops.abortAll();
  await inBatches(core.store.allClusters(), 3, (c) =>
    runtimeOf(core, c)
      .delete(c)
      .then(() => undefined),
  );
  core.store.clear();
}
