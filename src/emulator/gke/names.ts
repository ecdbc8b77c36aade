/**
 * GKE resource names: `projects/P/locations/L/clusters/C[/nodePools/N]` and
 * `projects/P/locations/L/operations/O`, plus the deprecated project_id/zone/cluster_id form.
 * Every parse failure is INVALID_ARGUMENT naming the field.
 */
import { gcpLocationExists } from '../../gke/locations';
import { isLocation, PROJECT_ID_RE } from '../../gke/rules';
import { invalidArgument } from '../errors';
import { clusterName, locationName, parseLocationName } from '../../gke/resource-names';

/** Identifies a cluster: project, location (zone or region), name. */
export interface ClusterKey {
  project: string;
  location: string;
  cluster: string;
}

/** Identifies a node pool within its cluster. */
export interface PoolKey extends ClusterKey {
  pool: string;
}

/** The deprecated fields every request still carries. */
export interface LegacyFields {
  projectId?: string;
  zone?: string;
  clusterId?: string;
  nodePoolId?: string;
  operationId?: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Echoes user input in an error at most 80 characters long: a huge name must not come back whole. */
export const shown = (v: string): string => (v.length > 80 ? `${v.slice(0, 80)}… (${v.length} characters)` : v);

function checkProject(project: string, field: string): void {
  if (!PROJECT_ID_RE.test(project)) throw invalidArgument(`${field}: invalid project id '${shown(project)}'`);
}

function checkLocation(location: string, field: string, allowAll: boolean): void {
  if (allowAll && location === '-') return;
  if (!isLocation(location)) throw invalidArgument(`${field}: '${shown(location)}' is not a region or zone`);
}

/**
 * Refuses a well-formed location GCP does not have, with GKE's answer (HTTP 400, e.g. `gcloud
 * container clusters create … --zone us-east1-b` in 2018: 'location "us-east1-b" does not exist.').
 */
export function assertLocationExists(location: string): void {
  if (!gcpLocationExists(location)) throw invalidArgument(`Location "${shown(location)}" does not exist.`);
}

/** `projects/P/locations/L` (L may be `-` for all locations). */
export function parseParent(
  parent: unknown,
  legacy: LegacyFields,
  field = 'parent',
): { project: string; location: string } {
  let p = str(parent);
  if (!p && legacy.projectId) p = locationName(legacy.projectId, legacy.zone || '-');
  const m = parseLocationName(p);
  if (!m) throw invalidArgument(`${field}: must be projects/{project}/locations/{location} (got '${shown(p)}')`);
  checkProject(m.project, field);
  checkLocation(m.location, field, true);
  return m;
}

/** `projects/P/locations/L/clusters/C` */
export function parseClusterName(name: unknown, legacy: LegacyFields, field = 'name'): ClusterKey {
  let n = str(name);
  if (!n && legacy.projectId && legacy.clusterId)
    n = clusterName({ project: legacy.projectId, location: String(legacy.zone), cluster: legacy.clusterId });
  const m = /^projects\/([^/]+)\/locations\/([^/]+)\/clusters\/([^/]+)$/.exec(n);
  if (!m)
    throw invalidArgument(
      `${field}: must be projects/{project}/locations/{location}/clusters/{cluster} (got '${shown(n)}')`,
    );
  checkProject(m[1]!, field);
  checkLocation(m[2]!, field, false);
  return { project: m[1]!, location: m[2]!, cluster: m[3]! };
}

/** `projects/P/locations/L/clusters/C/nodePools/N` */
export function parsePoolName(name: unknown, legacy: LegacyFields, field = 'name'): PoolKey {
  let n = str(name);
  if (!n && legacy.projectId && legacy.clusterId && legacy.nodePoolId)
    n = `projects/${legacy.projectId}/locations/${legacy.zone}/clusters/${legacy.clusterId}/nodePools/${legacy.nodePoolId}`;
  const m = /^(projects\/[^/]+\/locations\/[^/]+\/clusters\/[^/]+)\/nodePools\/([^/]+)$/.exec(n);
  if (!m)
    throw invalidArgument(
      `${field}: must be projects/{project}/locations/{location}/clusters/{cluster}/nodePools/{pool} (got '${shown(n)}')`,
    );
  return { ...parseClusterName(m[1], {}, field), pool: m[2]! };
}

/** `projects/P/locations/L/operations/O` */
export function parseOperationName(
  name: unknown,
  legacy: LegacyFields,
  field = 'name',
): { project: string; location: string; operation: string } {
  let n = str(name);
  if (!n && legacy.projectId && legacy.operationId)
    n = `projects/${legacy.projectId}/locations/${legacy.zone}/operations/${legacy.operationId}`;
  const m = /^projects\/([^/]+)\/locations\/([^/]+)\/operations\/([^/]+)$/.exec(n);
  if (!m)
    throw invalidArgument(
      `${field}: must be projects/{project}/locations/{location}/operations/{operation} (got '${shown(n)}')`,
    );
  checkProject(m[1]!, field);
  checkLocation(m[2]!, field, false);
  return { project: m[1]!, location: m[2]!, operation: m[3]! };
}

/** `projects/P/locations/L/clusters/C` */
export const clusterPath = (k: ClusterKey) => clusterName(k);
/** `P/L/C`: the store's key for a cluster. */
export const clusterId = (k: ClusterKey) => `${k.project}/${k.location}/${k.cluster}`;
/** GKE's self/target link for a resource path. */
export const selfLink = (path: string) => `https://container.googleapis.com/v1/${path}`;
