/**
 * The id of an environment, which is also its workflow id: `gkeflow/<project>/<location>/<cluster>`.
 * The only place that builds or takes one apart. Workflow-safe.
 */
/** Where an environment lives. `id` is the workflow id `gkeflow/<project>/<location>/<cluster>`. */
export interface EnvRef {
  id: string;
  project: string;
  location: string;
  cluster: string;
}

/** What every environment id starts with. */
export const ENV_ID_PREFIX = 'gkeflow/';

/** The coordinates an environment id is made of. */
export interface EnvCoordinates {
  project: string;
  location: string;
  cluster: string;
}

/** The environment id of a project, location and cluster. */
export function formatEnvId(c: EnvCoordinates): string {
  return `${ENV_ID_PREFIX}${c.project}/${c.location}/${c.cluster}`;
}

/** The EnvRef of an id (its coordinates plus the id), or undefined when `id` is not an environment id. */
export function parseEnvId(id: string): EnvRef | undefined {
  if (!id.startsWith(ENV_ID_PREFIX)) return undefined;
  const parts = id.slice(ENV_ID_PREFIX.length).split('/');
  const [project, location, cluster] = parts;
  if (parts.length !== 3 || !project || !location || !cluster) return undefined;
  return { id, project, location, cluster };
}

/** The EnvRef activities get for these coordinates: the id plus the coordinates, no credentials. */
export function envRef(c: EnvCoordinates): EnvRef {
  return { id: formatEnvId(c), project: c.project, location: c.location, cluster: c.cluster };
}

/** What every reaper-started teardown workflow id starts with. */
export const TEARDOWN_ID_PREFIX = 'gkeflow-teardown/';

/**
 * The workflow id of the teardown of one cluster: `gkeflow-teardown/<project>/<location>/<cluster>`.
 * Derived from the cluster alone, so two reapers running at once start one teardown, not two.
 */
export function formatTeardownId(c: EnvCoordinates): string {
  return `${TEARDOWN_ID_PREFIX}${c.project}/${c.location}/${c.cluster}`;
}
