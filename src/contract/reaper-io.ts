/**
 * The reaper's activities' inputs and results: clusters across projects, which environments are
 * open, what an environment's last run made, and the call that ends one. Plain JSON, no credentials.
 */
/**
 * One cluster as the reaper sees it (plain JSON, no credentials); with `namespace`, a namespace
 * environment's namespace on cluster `name` (its labels, age and `STOPPING` while terminating).
 */
export interface ClusterSummary {
  project: string;
  location: string;
  name: string;
  /** A namespace environment's namespace on cluster `name` (listNamespaces). */
  namespace?: string;
  status: string;
  labels: Record<string, string>;
  /** Creation time, epoch ms (0 when GKE did not say). */
  createdAtMs: number;
}

export interface ListClustersInput {
  project: string;
  /** A zone or region, or `-` for every location. */
  location: string;
  /**
   * One page (PATCHES.reaperBoundedPayloads): at most `limit` clusters, ordered by clusterCursor,
   * each with only gkeflow's labels (all the reaper judges by). Absent: every cluster, all labels.
   */
  limit?: number;
  /** With `limit`: only clusters whose clusterCursor sorts after this one (the last of the previous page). */
  after?: string;
}

/**
 * Where a cluster sorts in a paged listClusters (GKE's ListClusters has no pages: each page lists
 * again and resumes after the previous page's last cluster, so a cluster deleted between pages
 * shifts nothing).
 */
export const clusterCursor = (c: Pick<ClusterSummary, 'location' | 'name'>): string => `${c.location}/${c.name}`;

/** The clusters of one project and location, listed once (listClusterTable, PATCHES.reaperOneList). */
export interface ListClusterTableInput {
  project: string;
  /** A zone or region, or `-` for every location. */
  location: string;
}

/**
 * One row of a ClusterTable: location, name, status, creation time (epoch ms, 0 when GKE did
 * not say), 1 when the cluster has a control plane to list namespaces on (an endpoint and a CA
 * certificate) else 0, then the value of each of the table's `keys` (null: the label is absent).
 */
export type ClusterRow = [string, string, string, number, 0 | 1, ...Array<string | null>];

/**
 * Every cluster of a project and location in one compact result (~110 bytes a cluster, a
 * thousand clusters ~110 KB): one ListClusters per project and run, since GKE's has no pages.
 * Only gkeflow's labels (all the reaper judges by), their keys once.
 */
export interface ClusterTable {
  keys: string[];
  rows: ClusterRow[];
}

/**
 * The ClusterTable of these clusters: a row each with the value of every one of `keys` (null where
 * the cluster lacks that label); `controlPlane` says which have one. clustersOfTable reads it back.
 */
export function clusterTableOf(
  clusters: readonly ClusterSummary[],
  keys: readonly string[],
  controlPlane: (c: ClusterSummary, i: number) => boolean,
): ClusterTable {
  return {
    keys: [...keys],
    rows: clusters.map((c, i): ClusterRow => [
      c.location,
      c.name,
      c.status,
      c.createdAtMs,
      controlPlane(c, i) ? 1 : 0,
      ...keys.map((k) => (Object.hasOwn(c.labels, k) ? c.labels[k]! : null)),
    ]),
  };
}

/** The clusters of a ClusterTable as the reaper judges them, and those with a control plane. Workflow-safe. */
export function clustersOfTable(
  project: string,
  table: ClusterTable,
): { clusters: ClusterSummary[]; withControlPlane: ClusterSummary[] } {
  const clusters: ClusterSummary[] = [];
  const withControlPlane: ClusterSummary[] = [];
  for (const [location, name, status, createdAtMs, controlPlane, ...values] of table.rows) {
    const labels: Record<string, string> = {};
    table.keys.forEach((k, i) => {
      const v = values[i];
      if (typeof v === 'string') labels[k] = v;
    });
    const c: ClusterSummary = { project, location, name, status, labels, createdAtMs };
    clusters.push(c);
    if (controlPlane === 1) withControlPlane.push(c);
  }
  return { clusters, withControlPlane };
}

/** The cluster whose gkeflow namespaces listNamespaces lists. */
export interface ListNamespacesInput {
  project: string;
  location: string;
  cluster: string;
}

/** Many clusters whose gkeflow namespaces listNamespacesBatch lists (PATCHES.reaperBoundedPayloads). */
export interface ListNamespacesBatchInput {
  clusters: ListNamespacesInput[];
}

/** The namespaces found on a batch of clusters, and the clusters whose namespaces could not be listed. */
export interface NamespacesBatch {
  namespaces: ClusterSummary[];
  /** Each with its error (`Type: message`): its namespace environments are left alone. */
  failed: Array<ListNamespacesInput & { cause: string }>;
}

export interface OpenEnvironmentsInput {
  /** Environment ids (workflow ids) to check. */
  ids: string[];
}

/** What an environment's last run says it made besides the cluster (from that run's input spec). */
export interface EnvironmentResources {
  namespace: string;
  /** gkeflow's own Service and Deployment; absent for an app (spec `app:`). */
  service?: string;
  deployment?: string;
  /** The environment is an app: its ApplySet (in `namespace`) goes before the cluster. */
  app?: boolean;
  /** The app's rendered bundle (by digest), deleted with the environment. */
  bundle?: { repository: string; digest: string };
  /** Present only when the run deletes its pushed tag on teardown (image.deleteOnTeardown or its tuning). */
  image?: { repository: string; tag: string };
  /** With `image`: its Artifact Registry repository (deleteRepository keeps it unless gkeflow created it for the environment and it is empty). */
  repository?: string;
}

export interface EnvironmentIdsByHashInput {
  /** gkeflow-env label values (envHash of an environment id). */
  hashes: string[];
}

/** The reason a reaper ends (or tears down) an environment whose expiry passed; its workflow refuses it while unexpired. */
export const EXPIRED_REASON = 'expired';

export interface EndEnvironmentInput {
  envId: string;
  reason: string;
  /**
   * The reaper's owner: set, the cluster is read afresh right before the update is sent, and a
   * protected, foreign-owned or relabelled cluster is refused (TeardownRefusedError).
   */
  owner?: string;
}

/** What a teardown started by a reaper re-checks before each delete (see checkTeardown). */
export interface TeardownGuard {
  /** The reaper's owner: the cluster must carry exactly this gkeflow-owner. */
  owner: string;
  /** The reaper's verdict: `expired` requires a past gkeflow-expires-at; `orphaned` no open workflow. */
  reason: string;
  /** false: the environment has no cluster (a repository leftover); only the open run is checked. */
  cluster: boolean;
}

export interface CheckTeardownInput {
  /** With `namespace`: a namespace environment, whose namespace (not its cluster) is re-checked. */
  env: { id: string; project: string; location: string; cluster: string; namespace?: string };
  guard: TeardownGuard;
}
