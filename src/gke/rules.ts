/**
 * GKE's naming rules, locations and machine types: one source for the spec validator and the
 * emulator, so a spec gkeflow accepts is one GKE (and the emulator) accepts.
 */

import { GCP_ZONES } from './locations';
import { machineTypeOf } from './machine-types';

/** Cluster and node-pool names: lowercase letter first, then lowercase letters, digits or hyphens, no trailing hyphen, at most 40 chars. */
export const GKE_NAME_RE = /^[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?$/;
export const GKE_NAME_MAX = 40;

/** Explains what is wrong with a cluster or node-pool name, or undefined when it is valid. */
export function gkeNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > GKE_NAME_MAX) return `must be at most ${GKE_NAME_MAX} characters (got ${name.length})`;
  if (!/^[a-z]/.test(name)) return 'must start with a lowercase letter';
  if (name.endsWith('-')) return 'must not end with a hyphen';
  if (!GKE_NAME_RE.test(name)) return 'may contain only lowercase letters, digits and hyphens';
  return undefined;
}

/** A table entry by user-given key: own entries only, so `constructor` or `__proto__` find nothing. */
const own = <T>(table: Record<string, T>, key: string): T | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined;

/** GCP project ids: 6–30 chars, lowercase letter first, letters/digits/hyphens, no trailing hyphen. */
export const PROJECT_ID_RE = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;

/** A GCP region: area, direction and number (`us-east5`, `europe-west9`, `me-central1`, `northamerica-northeast2`). */
export const REGION_RE = /^[a-z]{2,20}-[a-z]{2,20}[1-9][0-9]?$/;
/** A zone: its region and a letter (`us-east5-a`). */
export const ZONE_RE = /^[a-z]{2,20}-[a-z]{2,20}[1-9][0-9]?-[a-z]$/;

/** True for a well-formed region or zone. */
export const isLocation = (v: string): boolean => REGION_RE.test(v) || ZONE_RE.test(v);
/** True for a region (a regional cluster), false for a zone. */
export const isRegion = (v: string): boolean => REGION_RE.test(v);

/** The region of a location (a zone's region, or the region itself). */
export function regionOf(location: string): string {
  return /-[a-z]$/.test(location) ? location.slice(0, -2) : location;
}

/** How many zones a regional cluster's nodes run in unless told otherwise (GKE: three). */
export const REGIONAL_ZONES = 3;

/**
 * The zones of a region as GCP lists them (src/gke/locations.ts). A well-formed region missing
 * there is assumed to have zones a, b and c: Google adds regions every year, and gkeflow accepts
 * them (a stale list refused us-east5, europe-west9, me-central1 …).
 */
export const zonesOf = (region: string): string[] =>
  (own<readonly string[]>(GCP_ZONES, region) ?? ['a', 'b', 'c']).map((z) => `${region}-${z}`);

/** The zones a cluster at `location` runs its nodes in by default: the zone, or three of the region's. */
export const defaultNodeZones = (location: string): string[] =>
  isRegion(location) ? zonesOf(location).slice(0, REGIONAL_ZONES) : [location];

/**
 * A node pool's size as GKE counts it, for people: the per-zone count, and for a regional
 * cluster the total (`3 × e2-medium per zone × 3 zones = 9 nodes`).
 */
export function poolSizeText(nodeCount: number, machineType: string, location: string): string {
  const zones = defaultNodeZones(location).length;
  return zones === 1
    ? `${nodeCount} × ${machineType}`
    : `${nodeCount} × ${machineType} per zone × ${zones} zones = ${nodeCount * zones} nodes`;
}

/** A per-zone node count for people: `5 nodes`, or for a regional cluster `5 per zone, 15 nodes in 3 zones`. */
export function perZoneText(nodeCount: number, location: string): string {
  const zones = defaultNodeZones(location).length;
  return zones === 1 ? `${nodeCount} nodes` : `${nodeCount} per zone, ${nodeCount * zones} nodes in ${zones} zones`;
}

export interface MachineType {
  cpus: number;
  memoryMb: number;
  /** Still accepted by GKE but superseded (g1-small → e2-small). */
  legacy?: boolean;
}

/** Shapes of the shared-core and common types; others are derived from their names (machineShape). */
export const MACHINE_TYPES: Record<string, MachineType> = {
  'e2-micro': { cpus: 2, memoryMb: 1024 },
  'e2-small': { cpus: 2, memoryMb: 2048 },
  'e2-medium': { cpus: 2, memoryMb: 4096 },
  'n1-standard-1': { cpus: 1, memoryMb: 3840, legacy: true },
  'n1-standard-2': { cpus: 2, memoryMb: 7680, legacy: true },
  'n1-standard-4': { cpus: 4, memoryMb: 15360, legacy: true },
  'g1-small': { cpus: 1, memoryMb: 1740, legacy: true },
};

/** Machine types GKE refuses for nodes, with why. */
export const REFUSED_MACHINE_TYPES: Record<string, string> = {
  'f1-micro': 'GKE does not run nodes on f1-micro (too little memory for the node components); use e2-small or larger',
};

/**
 * A Compute Engine machine type name: family, then class and size (`e2-standard-4`, `n2-highmem-8`,
 * `c3-standard-22-lssd`, `n2-custom-4-8192`, `custom-2-4096`). Which exist in a zone is for the API
 * to say (GetServerConfig / Compute Engine), not for a list that goes stale.
 */
export const MACHINE_TYPE_RE = /^[a-z][a-z0-9]{0,9}-[a-z0-9]{1,20}(-[a-z0-9]{1,20}){0,3}$/;

/** Explains what is wrong with a machine type for a node pool, or undefined when it is acceptable. */
export function machineTypeProblem(v: string): string | undefined {
  const refused = own(REFUSED_MACHINE_TYPES, v);
  if (refused) return refused;
  if (!MACHINE_TYPE_RE.test(v))
    return `"${v}" is not a machine type name (e.g. e2-small, e2-medium, e2-standard-4, n2-highmem-8)`;
  return undefined;
}

/** Memory per vCPU (MB) of the usual classes. */
const MB_PER_CPU: Record<string, number> = { standard: 4096, highmem: 8192, highcpu: 1024, megamem: 14950 };

/** CPUs and memory of a machine type: from the table, else from its name (`*-standard-8` ⇒ 8 vCPUs). */
export function machineShape(v: string): MachineType {
  const known = own(MACHINE_TYPES, v);
  if (known) return known;
  const listed = machineTypeOf(v);
  if (listed) return { cpus: listed.cpus, memoryMb: listed.memoryMb };
  const custom = /(?:^|-)custom-(\d+)-(\d+)/.exec(v);
  if (custom) return { cpus: Number(custom[1]), memoryMb: Number(custom[2]) };
  const m = /^[a-z0-9]+-([a-z]+)-(\d+)/.exec(v);
  if (m) return { cpus: Number(m[2]), memoryMb: Number(m[2]) * (own(MB_PER_CPU, m[1] ?? '') ?? 4096) };
  return { cpus: 2, memoryMb: 8192 };
}

/** Label keys/values as GCP accepts them on resources (not Kubernetes labels: envspec/names.ts has those) (keys: lowercase letter first, ≤ 63 chars). */
export const GCP_LABEL_KEY_RE = /^[a-z][-_a-z0-9]{0,62}$/;
export const GCP_LABEL_VALUE_RE = /^[-_a-z0-9]{0,63}$/;

/** GKE allows up to 1000 nodes per pool per zone. */
export const MAX_POOL_NODES = 1000;

/** The node pool GKE creates when a Standard cluster names none (e2-medium × 3, as `gcloud` does). */
export const DEFAULT_POOL = Object.freeze({
  name: 'default-pool',
  machineType: 'e2-medium',
  nodeCount: 3,
  diskSizeGb: 100,
} as const);

/** GKE's release channels (the API also takes UNSPECIFIED: no channel). */
export const RELEASE_CHANNELS = ['RAPID', 'REGULAR', 'STABLE', 'EXTENDED'] as const;
export type ReleaseChannel = (typeof RELEASE_CHANNELS)[number];

/**
 * A node service account as GCP names them: a user-managed one (`NAME@PROJECT.iam.gserviceaccount.com`)
 * or the Compute Engine default (`NUMBER-compute@developer.gserviceaccount.com`). GKE's API also
 * takes the word `default` for the latter.
 */
export const SERVICE_ACCOUNT_RE =
  /^[a-z][-a-z0-9]{4,28}[a-z0-9]@[a-z][-a-z0-9.]*\.iam\.gserviceaccount\.com$|^[0-9]+-compute@developer\.gserviceaccount\.com$/;
