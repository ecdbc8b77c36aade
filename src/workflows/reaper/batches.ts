/**
 * How a reaper run keeps each activity's input and result bounded however many clusters it
 * judges (PATCHES.reaperBoundedPayloads): clusters are listed in pages, their namespaces and
 * open runs checked in batches (one activity per cluster would put 10,000 commands into one
 * workflow task: more than gRPC's 4 MiB), and the last runs of the environments torn down read a batch at a time, when the first
 * teardown of the batch needs them (so nothing of the kind is carried through continue-as-new).
 * Workflow-safe.
 */
import {
  clusterCursor,
  clustersOfTable,
  type ClusterSummary,
  type EnvironmentResources,
  type NamespacesBatch,
} from '../../contract/reaper-io';
import type { StepInput, StepName, StepResult } from '../../contract/steps';
import type { ReapDecision } from './plan';

type Step = <K extends StepName>(name: K, i: StepInput<K>) => Promise<StepResult<K>>;

/** Clusters per listClusters page (~300 bytes each: a page stays near 150 KB). */
export const LIST_PAGE_SIZE = 500;
/** Environment ids per openEnvironments call (~50 bytes each). */
export const OPEN_CHECK_BATCH = 500;
/** openEnvironments calls at once. */
export const OPEN_CHECK_CONCURRENCY = 4;
/** Clusters per listNamespacesBatch call (each a GetCluster and, with a control plane, a namespace list). */
export const NAMESPACE_BATCH = 200;
/** listNamespacesBatch calls at once. */
export const NAMESPACE_CONCURRENCY = 4;
/** Environment ids per environmentResources call (each id is a Describe and maybe a history read). */
export const RESOURCES_BATCH = 200;

/** Every cluster of a project and location, a page at a time. */
export async function listAllClusters(step: Step, project: string, location: string): Promise<ClusterSummary[]> {
  const out: ClusterSummary[] = [];
  for (let after: string | undefined; ;) {
    const page = await step('listClusters', { project, location, limit: LIST_PAGE_SIZE, ...(after ? { after } : {}) });
    out.push(...page);
    const last = page.at(-1);
    if (page.length < LIST_PAGE_SIZE || !last) return out;
    const next = clusterCursor(last);
    // A lister that ignores the cursor would loop forever: what it gave is all there is.
    if (after !== undefined && next <= after) return out;
    after = next;
  }
}

/**
 * Every cluster of a project and location from one listClusterTable (PATCHES.reaperOneList); the
 * clusters with a control plane are added to `withControlPlane` (only they can hold namespaces).
 */
export async function listClusterTable(
  step: Step,
  project: string,
  location: string,
  withControlPlane: ClusterSummary[],
): Promise<ClusterSummary[]> {
  const got = clustersOfTable(project, await step('listClusterTable', { project, location }));
  withControlPlane.push(...got.withControlPlane);
  return got.clusters;
}

/** fn on each batch of `size` items, `concurrency` batches at once; the results in batch order. */
async function inBatches<T, R>(
  items: readonly T[],
  size: number,
  concurrency: number,
  fn: (batch: T[]) => Promise<R>,
): Promise<R[]> {
  const batches: Array<{ i: number; items: T[] }> = [];
  for (let i = 0; i < items.length; i += size) batches.push({ i: batches.length, items: items.slice(i, i + size) });
  const out: R[] = [];
  const queue = [...batches];
  const lane = async () => {
    for (let b = queue.shift(); b; b = queue.shift()) out[b.i] = await fn(b.items);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, lane));
  return out;
}

/** The ids with an open environment workflow, asked OPEN_CHECK_BATCH at a time. */
export async function openAmong(step: Step, ids: readonly string[]): Promise<string[]> {
  const open = await inBatches(ids, OPEN_CHECK_BATCH, OPEN_CHECK_CONCURRENCY, (b) =>
    step('openEnvironments', { ids: b }),
  );
  return open.flat().sort();
}

/** The gkeflow namespaces on these clusters, NAMESPACE_BATCH clusters an activity; the clusters that failed. */
export async function namespacesInBatches(step: Step, clusters: readonly ClusterSummary[]): Promise<NamespacesBatch> {
  const at = clusters.map((c) => ({ project: c.project, location: c.location, cluster: c.name }));
  const got = await inBatches(at, NAMESPACE_BATCH, NAMESPACE_CONCURRENCY, (b) =>
    step('listNamespacesBatch', { clusters: b }),
  );
  return { namespaces: got.flatMap((g) => g.namespaces), failed: got.flatMap((g) => g.failed) };
}

/**
 * What each cluster teardown's environment made (its last run's resources): `known` first (read
 * by the plan), else read with the next RESOURCES_BATCH cluster teardowns still queued when the
 * first of them is reached. A failed read fails the teardowns of that batch (nothing is deleted).
 */
export function resourcesReader(
  step: Step,
  queue: readonly ReapDecision[],
  known: Readonly<Record<string, EnvironmentResources>>,
): (d: ReapDecision) => Promise<EnvironmentResources | undefined> {
  const read = new Map<string, Promise<EnvironmentResources | undefined>>();
  const needs = (d: ReapDecision) =>
    d.action === 'delete' && !d.repository && !Object.hasOwn(known, d.envId) && !read.has(d.envId);
  return (d) => {
    if (Object.hasOwn(known, d.envId)) return Promise.resolve(known[d.envId]);
    if (!read.has(d.envId) && needs(d)) {
      const batch = [d, ...queue.filter(needs)].slice(0, RESOURCES_BATCH);
      const all = step('environmentResources', { ids: [...new Set(batch.map((x) => x.envId))] });
      for (const x of batch) {
        const one = all.then((r) => r[x.envId]);
        one.catch(() => undefined); // awaited by its teardown, or by none when the run continues first
        read.set(x.envId, one);
      }
    }
    return read.get(d.envId) ?? Promise.resolve(undefined);
  };
}
