/**
 * Validation as GKE does it, on decoded requests (proto field names in camelCase). Every
 * problem is INVALID_ARGUMENT naming the field; the GKE rules come from src/gke/rules.ts.
 */
import {
  defaultNodeZones,
  gkeNameProblem,
  isRegion,
  GCP_LABEL_KEY_RE,
  GCP_LABEL_VALUE_RE,
  machineTypeProblem,
  MAX_POOL_NODES,
  DEFAULT_POOL,
  regionOf,
  SERVICE_ACCOUNT_RE,
  ZONE_RE,
} from '../../gke/rules';
import { invalidArgument } from '../errors';
import { checkAccelerators, checkMachineTypeInZones, checkTaints } from './node-config';
import { shown } from './names';
import type { Autoscaling, PoolRecord } from '../store/store';

/** GKE's default machine type and default-pool size. */
export const DEFAULT_MACHINE_TYPE = DEFAULT_POOL.machineType;
export const DEFAULT_NODE_COUNT = DEFAULT_POOL.nodeCount;
/** The GKE version reported: the control planes run Kubernetes 1.36.1. */
export const KUBE_VERSION = '1.36.1-gke.1000';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a GKE cluster or pool name. */
export function checkName(name: unknown, field: string): string {
  if (typeof name !== 'string' || name === '') throw invalidArgument(`${field}: required`);
  const problem = gkeNameProblem(name);
  if (problem) throw invalidArgument(`${field}: '${name.slice(0, 80)}' ${problem}`);
  return name;
}

/** Checks a node count (0 … 1000 per zone). */
export function checkNodeCount(n: unknown, field: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_POOL_NODES)
    throw invalidArgument(`${field}: must be an integer between 0 and ${MAX_POOL_NODES} (got ${String(n)})`);
  return n;
}

/** Checks GCP resource labels (keys and values, at most 64). */
export function checkResourceLabels(labels: unknown, field: string): Record<string, string> {
  if (labels === undefined || labels === null) return {};
  if (!isObj(labels)) throw invalidArgument(`${field}: must be a map of strings`);
  const entries = Object.entries(labels);
  if (entries.length > 64) throw invalidArgument(`${field}: at most 64 labels (got ${entries.length})`);
  for (const [k, v] of entries) {
    if (!GCP_LABEL_KEY_RE.test(k))
      throw invalidArgument(
        `${field}: invalid label key '${k.slice(0, 80)}' (lowercase letter first, then lowercase letters, digits, - or _, at most 63)`,
      );
    if (typeof v !== 'string' || !GCP_LABEL_VALUE_RE.test(v))
      throw invalidArgument(`${field}.${k}: invalid label value (lowercase letters, digits, - or _, at most 63)`);
  }
  return { ...(labels as Record<string, string>) };
}

const KUBE_LABEL_KEY = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const KUBE_LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function checkKubeLabels(labels: unknown, field: string): Record<string, string> {
  if (labels === undefined || labels === null) return {};
  if (!isObj(labels)) throw invalidArgument(`${field}: must be a map of strings`);
  for (const [k, v] of Object.entries(labels)) {
    if (!KUBE_LABEL_KEY.test(k)) throw invalidArgument(`${field}: invalid Kubernetes label key '${k.slice(0, 80)}'`);
    if (typeof v !== 'string' || !KUBE_LABEL_VALUE.test(v))
      throw invalidArgument(`${field}.${k}: invalid Kubernetes label value`);
  }
  return { ...(labels as Record<string, string>) };
}

/** Node locations of a cluster: its zone, or (regional) the first three zones of its region. */
export function clusterLocations(location: string, requested: unknown, field: string): string[] {
  const region = regionOf(location);
  if (Array.isArray(requested) && requested.length) {
    for (const z of requested) {
      if (typeof z !== 'string' || !ZONE_RE.test(z) || regionOf(z) !== region)
        throw invalidArgument(`${field}: '${shown(String(z))}' is not a zone of ${region}`);
    }
    return [...new Set(requested as string[])];
  }
  return isRegion(location) ? defaultNodeZones(location) : [location];
}

const SCOPE_PREFIX = 'https://www.googleapis.com/auth/';
/** What GKE adds to a node pool asked for no scopes: only what its logging and monitoring agents need. */
export const SCOPES_WHEN_NONE = [`${SCOPE_PREFIX}logging.write`, `${SCOPE_PREFIX}monitoring`];
/** Scopes under which a node's credentials may read Artifact Registry (and Container Registry). */
export const PULL_SCOPES: ReadonlySet<string> = new Set(
  ['cloud-platform', 'devstorage.read_only', 'devstorage.read_write', 'devstorage.full_control'].map(
    (s) => `${SCOPE_PREFIX}${s}`,
  ),
);
/** True when nodes with these scopes can pull from Artifact Registry (records without scopes predate them: cloud-platform). */
export const canPull = (scopes: readonly string[] | undefined): boolean =>
  scopes === undefined || scopes.some((s) => PULL_SCOPES.has(s));

/** NodeConfig.oauthScopes: full scope URLs; none given ⇒ GKE's logging and monitoring scopes only. */
function checkScopes(v: unknown, field: string): string[] {
  if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) return [...SCOPES_WHEN_NONE];
  if (!Array.isArray(v)) throw invalidArgument(`${field}: must be a list of scope URLs`);
  for (const s of v)
    if (typeof s !== 'string' || !s.startsWith(SCOPE_PREFIX) || s.length === SCOPE_PREFIX.length)
      throw invalidArgument(`${field}: '${String(s).slice(0, 80)}' is not an OAuth scope URL (${SCOPE_PREFIX}…)`);
  return [...new Set(v as string[])];
}

/** Checks autoscaling settings; undefined when not enabled. */
export function checkAutoscaling(a: unknown, field: string): Autoscaling | undefined {
  if (!isObj(a) || !a.enabled) return undefined;
  const min = checkNodeCount(a.minNodeCount ?? 0, `${field}.minNodeCount`);
  const max = checkNodeCount(a.maxNodeCount ?? 0, `${field}.maxNodeCount`);
  if (max < 1 || min > max)
    throw invalidArgument(`${field}: need 0 ≤ minNodeCount ≤ maxNodeCount and maxNodeCount ≥ 1 (got ${min}..${max})`);
  return { enabled: true, minNodeCount: min, maxNodeCount: max, autoprovisioned: Boolean(a.autoprovisioned) };
}

/** A node pool from a request (CreateCluster's node_pools[] or CreateNodePool's node_pool). */
export function checkPool(p: unknown, field: string, locations: readonly string[]): PoolRecord {
  if (!isObj(p)) throw invalidArgument(`${field}: required`);
  const name = checkName(p.name, `${field}.name`);
  const config = isObj(p.config) ? p.config : {};
  const machineType =
    typeof config.machineType === 'string' && config.machineType ? config.machineType : DEFAULT_MACHINE_TYPE;
  const machineProblem = machineTypeProblem(machineType);
  if (machineProblem) throw invalidArgument(`${field}.config.machineType: ${machineProblem.slice(0, 200)}`);
  const disk = typeof config.diskSizeGb === 'number' ? config.diskSizeGb : 0;
  if (disk !== 0 && (!Number.isInteger(disk) || disk < 10 || disk > 65536))
    throw invalidArgument(`${field}.config.diskSizeGb: must be between 10 and 65536 (got ${disk})`);
  const nodeCount = checkNodeCount(p.initialNodeCount ?? 0, `${field}.initialNodeCount`);
  const autoscaling = checkAutoscaling(p.autoscaling, `${field}.autoscaling`);
  const poolLocations =
    Array.isArray(p.locations) && p.locations.length
      ? clusterLocations(locations[0] ?? '', p.locations, `${field}.locations`)
      : locations;
  checkMachineTypeInZones(machineType, poolLocations);
  const accelerators = checkAccelerators(
    config.accelerators,
    `${field}.config.accelerators`,
    machineType,
    poolLocations,
    machineType === DEFAULT_MACHINE_TYPE && !config.machineType,
  );
  const taints = checkTaints(config.taints, `${field}.config.taints`);
  return {
    name,
    machineType,
    diskSizeGb: disk || 100,
    imageType: typeof config.imageType === 'string' && config.imageType ? config.imageType : 'COS_CONTAINERD',
    labels: checkKubeLabels(config.labels, `${field}.config.labels`),
    nodeCount,
    locations: poolLocations,
    autoscaling,
    status: 'PROVISIONING',
    version: KUBE_VERSION,
    createTime: new Date().toISOString(),
    oauthScopes: checkScopes(config.oauthScopes, `${field}.config.oauthScopes`),
    serviceAccount: checkServiceAccount(config.serviceAccount, `${field}.config.serviceAccount`),
    ...(accelerators.length ? { accelerators } : {}),
    ...(config.spot === true ? { spot: true } : {}),
    ...(taints.length ? { taints } : {}),
  };
}

function checkServiceAccount(v: unknown, field: string): string {
  if (v === undefined || v === null || v === '') return 'default';
  if (typeof v !== 'string' || !(v === 'default' || SERVICE_ACCOUNT_RE.test(v)))
    throw invalidArgument(`${field}: '${String(v).slice(0, 80)}' is not a service account email`);
  return v;
}

/** Rejects duplicate pool names. */
export function checkUniquePools(pools: readonly PoolRecord[], field: string): void {
  const seen = new Set<string>();
  for (const p of pools) {
    if (seen.has(p.name)) throw invalidArgument(`${field}: duplicate node pool name '${p.name}'`);
    seen.add(p.name);
  }
}

export { isObj };
