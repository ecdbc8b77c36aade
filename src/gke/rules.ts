/**
 * GKE's naming rules, locations and machine types: one source for the spec validator and the
 * emulator, so a spec gkeflow accepts is one GKE (and the emulator) accepts.
 */

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

/** GCP project ids: 6–30 chars, lowercase letter first, letters/digits/hyphens, no trailing hyphen. */
export const PROJECT_ID_RE = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;

/** Regions GKE serves, each with its zones (suffixes). */
export const REGIONS: Record<string, string[]> = {
  'asia-east1': ['a', 'b', 'c'],
  'asia-east2': ['a', 'b', 'c'],
  'asia-northeast1': ['a', 'b', 'c'],
  'asia-southeast1': ['a', 'b', 'c'],
  'asia-south1': ['a', 'b', 'c'],
  'australia-southeast1': ['a', 'b', 'c'],
  'europe-west1': ['b', 'c', 'd'],
  'europe-west2': ['a', 'b', 'c'],
  'europe-west3': ['a', 'b', 'c'],
  'europe-west4': ['a', 'b', 'c'],
  'europe-north1': ['a', 'b', 'c'],
  'northamerica-northeast1': ['a', 'b', 'c'],
  'southamerica-east1': ['a', 'b', 'c'],
  'us-central1': ['a', 'b', 'c', 'f'],
  'us-east1': ['b', 'c', 'd'],
  'us-east4': ['a', 'b', 'c'],
  'us-west1': ['a', 'b', 'c'],
  'us-west2': ['a', 'b', 'c'],
};

/** Every known location: regions and their zones (`asia-east1`, `asia-east1-a`, …). */
export const LOCATIONS: ReadonlySet<string> = new Set(
  Object.entries(REGIONS).flatMap(([region, zones]) => [region, ...zones.map((z) => `${region}-${z}`)]),
);

/** The region of a location (a zone's region, or the region itself). */
export function regionOf(location: string): string {
  return /-[a-z]$/.test(location) ? location.slice(0, -2) : location;
}

export interface MachineType {
  cpus: number;
  memoryMb: number;
  /** Still accepted by GKE but superseded (g1-small → e2-small). */
  legacy?: boolean;
}

export const MACHINE_TYPES: Record<string, MachineType> = {
  'e2-micro': { cpus: 2, memoryMb: 1024 },
  'e2-small': { cpus: 2, memoryMb: 2048 },
  'e2-medium': { cpus: 2, memoryMb: 4096 },
  'e2-standard-2': { cpus: 2, memoryMb: 8192 },
  'e2-standard-4': { cpus: 4, memoryMb: 16384 },
  'e2-standard-8': { cpus: 8, memoryMb: 32768 },
  'e2-standard-16': { cpus: 16, memoryMb: 65536 },
  'e2-highmem-2': { cpus: 2, memoryMb: 16384 },
  'e2-highcpu-4': { cpus: 4, memoryMb: 4096 },
  'n2-standard-2': { cpus: 2, memoryMb: 8192 },
  'n2-standard-4': { cpus: 4, memoryMb: 16384 },
  'n2-standard-8': { cpus: 8, memoryMb: 32768 },
  'n2d-standard-2': { cpus: 2, memoryMb: 8192 },
  'c3-standard-4': { cpus: 4, memoryMb: 16384 },
  'n1-standard-1': { cpus: 1, memoryMb: 3840, legacy: true },
  'n1-standard-2': { cpus: 2, memoryMb: 7680, legacy: true },
  'n1-standard-4': { cpus: 4, memoryMb: 15360, legacy: true },
  'g1-small': { cpus: 1, memoryMb: 1740, legacy: true },
  'f1-micro': { cpus: 1, memoryMb: 614, legacy: true },
};

/** Label keys/values as GCP accepts them on resources (keys: lowercase letter first, ≤ 63 chars). */
export const LABEL_KEY_RE = /^[a-z][-_a-z0-9]{0,62}$/;
export const LABEL_VALUE_RE = /^[-_a-z0-9]{0,63}$/;
