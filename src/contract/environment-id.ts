/**
 * The id of an environment, which is also its workflow id: `gkeflow/<project>/<location>/<cluster>`
 * for an environment that is a cluster, `gkeflow/<project>/<location>/<cluster>/<namespace>` for
 * one that is a namespace on a cluster it did not create (spec `cluster.existing`). The segment
 * count tells them apart, so a namespace environment never collides with the cluster's own.
 * The only place that builds or takes one apart. Workflow-safe.
 */
/** Where an environment lives. `id` is its workflow id (see above). */
export interface EnvRef {
  id: string;
  project: string;
  location: string;
  cluster: string;
  /** Set for a namespace environment: its namespace on `cluster`, which it did not create. */
  namespace?: string;
}

/** What every environment id starts with. */
export const ENV_ID_PREFIX = 'gkeflow/';

/** The coordinates an environment id is made of. */
export interface EnvCoordinates {
  project: string;
  location: string;
  cluster: string;
  /** A namespace environment's namespace (absent: the environment is the cluster). */
  namespace?: string | undefined;
}

/** The coordinates as path segments: three for a cluster environment, four for a namespace one. */
const segmentsOf = (c: EnvCoordinates) => [c.project, c.location, c.cluster, ...(c.namespace ? [c.namespace] : [])];

/** The environment id of a project, location, cluster and (for a namespace environment) namespace. */
export function formatEnvId(c: EnvCoordinates): string {
  return `${ENV_ID_PREFIX}${segmentsOf(c).join('/')}`;
}

/** The EnvRef of an id (its coordinates plus the id), or undefined when `id` is not an environment id. */
export function parseEnvId(id: string): EnvRef | undefined {
  if (!id.startsWith(ENV_ID_PREFIX)) return undefined;
  const parts = id.slice(ENV_ID_PREFIX.length).split('/');
  const [project, location, cluster, namespace] = parts;
  if (parts.length !== 3 && parts.length !== 4) return undefined;
  if (!project || !location || !cluster || (parts.length === 4 && !namespace)) return undefined;
  return { id, project, location, cluster, ...(namespace ? { namespace } : {}) };
}

/** The short name a user may type for an environment: its namespace (a namespace environment) or its cluster. */
export function shortNameOf(ref: EnvRef): string {
  return ref.namespace ?? ref.cluster;
}

/** The EnvRef activities get for these coordinates: the id plus the coordinates, no credentials. */
export function envRef(c: EnvCoordinates): EnvRef {
  return {
    id: formatEnvId(c),
    project: c.project,
    location: c.location,
    cluster: c.cluster,
    ...(c.namespace ? { namespace: c.namespace } : {}),
  };
}

/** What every reaper-started teardown workflow id starts with. */
export const TEARDOWN_ID_PREFIX = 'gkeflow-teardown/';

/**
 * The workflow id of the teardown of one cluster (or namespace environment):
 * `gkeflow-teardown/<project>/<location>/<cluster>[/<namespace>]`. Derived from the coordinates
 * alone, so two reapers running at once start one teardown, not two.
 */
export function formatTeardownId(c: EnvCoordinates): string {
  return `${TEARDOWN_ID_PREFIX}${segmentsOf(c).join('/')}`;
}
