/**
 * Compute Engine's machine types and GPUs, as GKE node pools use them: which exist, their vCPUs
 * and memory, which zones offer them (at family level), and which GPU runs on which family in
 * what counts. The emulator refuses what this table does not have, as GKE does; gkeflow itself
 * asks the real API (machineTypes/acceleratorTypes) instead, because such a table goes stale.
 *
 * Sources (2026): cloud.google.com/compute/docs/general-purpose-machines (e2, n1, n2, n2d, c3,
 * g1/f1 shared-core), cloud.google.com/compute/docs/accelerator-optimized-machines (a2, g2),
 * cloud.google.com/compute/docs/gpus (which GPU on which family, allowed counts) and
 * cloud.google.com/compute/docs/gpus/gpu-regions-zones (the zones of each GPU). Zone lists here
 * are a subset of Google's, kept to what gkeflow's tests and examples need to be realistic.
 */

/** One machine family: its shapes and where it runs. */
interface Family {
  /** `class-size` → [vCPUs, memory MB]; shared-core and GPU shapes are listed whole. */
  readonly shapes: Readonly<Record<string, readonly [number, number]>>;
  /** Zones that offer the family; absent: every zone of every region. */
  readonly zones?: readonly string[];
  /** Custom shapes (`FAMILY-custom-CPUS-MB`, n1's as `custom-CPUS-MB`) are allowed. */
  readonly custom?: boolean;
}

const GB = 1024;
/** `class-N` shapes for the given sizes, memory per vCPU in MB. */
const sized = (cls: string, sizes: readonly number[], mbPerCpu: number): Record<string, [number, number]> =>
  Object.fromEntries(sizes.map((n) => [`${cls}-${n}`, [n, Math.round(n * mbPerCpu)]]));

/** Zones with NVIDIA L4 (g2 machines). */
const L4_ZONES = [
  'us-central1-a',
  'us-central1-b',
  'us-central1-c',
  'us-east1-b',
  'us-east1-c',
  'us-east1-d',
  'us-east4-a',
  'us-east4-c',
  'us-west1-a',
  'us-west1-b',
  'us-west1-c',
  'us-west4-a',
  'us-west4-c',
  'europe-west1-b',
  'europe-west1-c',
  'europe-west4-a',
  'europe-west4-b',
  'europe-west4-c',
  'asia-east1-a',
  'asia-east1-c',
  'asia-northeast1-a',
  'asia-northeast1-c',
  'asia-southeast1-a',
  'asia-southeast1-b',
  'asia-southeast1-c',
] as const;
/** Zones with NVIDIA A100 40GB (a2-highgpu/megagpu machines). */
const A100_ZONES = [
  'us-central1-a',
  'us-central1-b',
  'us-central1-c',
  'us-central1-f',
  'us-east1-b',
  'us-west1-b',
  'us-west3-b',
  'us-west4-b',
  'europe-west4-a',
  'europe-west4-b',
  'asia-northeast1-a',
  'asia-northeast1-c',
  'asia-northeast3-a',
  'asia-northeast3-b',
  'asia-southeast1-b',
  'asia-southeast1-c',
  'me-west1-b',
  'me-west1-c',
] as const;
/** Zones with NVIDIA T4 (on n1 machines). */
const T4_ZONES = [
  'us-central1-a',
  'us-central1-b',
  'us-central1-c',
  'us-central1-f',
  'us-east1-c',
  'us-east1-d',
  'us-east4-a',
  'us-east4-b',
  'us-east4-c',
  'us-west1-a',
  'us-west1-b',
  'us-west2-b',
  'us-west2-c',
  'us-west4-a',
  'us-west4-b',
  'europe-west1-b',
  'europe-west1-c',
  'europe-west1-d',
  'europe-west2-a',
  'europe-west2-b',
  'europe-west3-b',
  'europe-west4-a',
  'europe-west4-b',
  'europe-west4-c',
  'asia-east1-a',
  'asia-east1-c',
  'asia-northeast1-a',
  'asia-northeast1-c',
  'asia-south1-a',
  'asia-south1-b',
  'asia-southeast1-a',
  'asia-southeast1-b',
  'asia-southeast1-c',
  'australia-southeast1-a',
  'southamerica-east1-a',
  'me-west1-b',
  'me-west1-c',
] as const;

/** The machine families: shapes by Compute Engine's tables, zones at family level. */
export const MACHINE_FAMILIES: Readonly<Record<string, Family>> = Object.freeze({
  e2: {
    custom: true,
    shapes: {
      micro: [2, 1 * GB],
      small: [2, 2 * GB],
      medium: [2, 4 * GB],
      ...sized('standard', [2, 4, 8, 16, 32], 4 * GB),
      ...sized('highmem', [2, 4, 8, 16], 8 * GB),
      ...sized('highcpu', [2, 4, 8, 16, 32], 1 * GB),
    },
  },
  n1: {
    custom: true,
    shapes: {
      ...sized('standard', [1, 2, 4, 8, 16, 32, 64, 96], 3.75 * GB),
      ...sized('highmem', [2, 4, 8, 16, 32, 64, 96], 6.5 * GB),
      ...sized('highcpu', [2, 4, 8, 16, 32, 64, 96], 0.9 * GB),
    },
  },
  g1: { shapes: { small: [1, 1740] } },
  f1: { shapes: { micro: [1, 614] } },
  n2: {
    custom: true,
    shapes: {
      ...sized('standard', [2, 4, 8, 16, 32, 48, 64, 80, 96, 128], 4 * GB),
      ...sized('highmem', [2, 4, 8, 16, 32, 48, 64, 80, 96, 128], 8 * GB),
      ...sized('highcpu', [2, 4, 8, 16, 32, 48, 64, 80, 96], 1 * GB),
    },
  },
  n2d: {
    custom: true,
    shapes: {
      ...sized('standard', [2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224], 4 * GB),
      ...sized('highmem', [2, 4, 8, 16, 32, 48, 64, 80, 96], 8 * GB),
      ...sized('highcpu', [2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224], 1 * GB),
    },
  },
  c3: {
    shapes: {
      ...sized('standard', [4, 8, 22, 44, 88, 176], 4 * GB),
      ...sized('highmem', [4, 8, 22, 44, 88, 176], 8 * GB),
      ...sized('highcpu', [4, 8, 22, 44, 88, 176], 2 * GB),
    },
  },
  g2: {
    zones: L4_ZONES,
    shapes: sized('standard', [4, 8, 12, 16, 24, 32, 48, 96], 4 * GB),
  },
  a2: {
    zones: A100_ZONES,
    shapes: {
      'highgpu-1g': [12, 85 * GB],
      'highgpu-2g': [24, 170 * GB],
      'highgpu-4g': [48, 340 * GB],
      'highgpu-8g': [96, 680 * GB],
      'megagpu-16g': [96, 1360 * GB],
    },
  },
});

/** A GPU: the families it runs on, the counts allowed per machine type, its zones. */
export interface AcceleratorType {
  /** Compute Engine's description, as acceleratorTypes.get answers it. */
  readonly description: string;
  readonly families: readonly string[];
  /** Allowed counts for a machine type (its name) — Compute Engine's fixed pairs. */
  readonly countsFor: (machineType: string, cpus: number) => readonly number[];
  readonly zones: readonly string[];
  /** The regional quota metric (`NVIDIA_L4_GPUS`). */
  readonly quotaMetric: string;
}

/** g2's L4 count by size: fixed, attached with the machine. */
const G2_L4: Readonly<Record<string, number>> = {
  'g2-standard-4': 1,
  'g2-standard-8': 1,
  'g2-standard-12': 1,
  'g2-standard-16': 1,
  'g2-standard-32': 1,
  'g2-standard-24': 2,
  'g2-standard-48': 4,
  'g2-standard-96': 8,
};

export const ACCELERATOR_TYPES: Readonly<Record<string, AcceleratorType>> = Object.freeze({
  'nvidia-l4': {
    description: 'NVIDIA L4',
    families: ['g2'],
    countsFor: (m) => (Object.hasOwn(G2_L4, m) ? [G2_L4[m]!] : []),
    zones: L4_ZONES,
    quotaMetric: 'NVIDIA_L4_GPUS',
  },
  'nvidia-tesla-a100': {
    description: 'NVIDIA A100 40GB',
    families: ['a2'],
    countsFor: (m) => {
      const g = /-(\d+)g$/.exec(m);
      return g ? [Number(g[1])] : [];
    },
    zones: A100_ZONES,
    quotaMetric: 'NVIDIA_A100_GPUS',
  },
  'nvidia-tesla-t4': {
    description: 'NVIDIA T4',
    families: ['n1'],
    // 1 or 2 T4s with up to 48 vCPUs, 4 with up to 96 (n1 shared-core types take none).
    countsFor: (_m, cpus) => (cpus <= 48 ? [1, 2, 4] : cpus <= 96 ? [4] : []),
    zones: T4_ZONES,
    quotaMetric: 'NVIDIA_T4_GPUS',
  },
});

const own = <T>(table: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined;

/** A machine type's family and its shape, or undefined when Compute Engine has no such type. */
export function machineTypeOf(name: string): { family: string; cpus: number; memoryMb: number } | undefined {
  const custom = /^(?:([a-z0-9]+)-)?custom-(\d+)-(\d+)(?:-ext)?$/.exec(name);
  if (custom) {
    const family = custom[1] ?? 'n1';
    if (!own(MACHINE_FAMILIES, family)?.custom) return undefined;
    return { family, cpus: Number(custom[2]), memoryMb: Number(custom[3]) };
  }
  const i = name.indexOf('-');
  if (i < 0) return undefined;
  const family = name.slice(0, i);
  const shape = own(MACHINE_FAMILIES[family] ? MACHINE_FAMILIES[family].shapes : {}, name.slice(i + 1));
  return shape ? { family, cpus: shape[0], memoryMb: shape[1] } : undefined;
}

/** True when `zone` offers the machine type's family (the type must exist: machineTypeOf). */
export function familyInZone(family: string, zone: string): boolean {
  const zones = own(MACHINE_FAMILIES, family)?.zones;
  return !zones || zones.includes(zone);
}

/** Every machine type a zone offers, with its shape (machineTypes.list). */
export function machineTypesInZone(zone: string): Array<{ name: string; cpus: number; memoryMb: number }> {
  return Object.entries(MACHINE_FAMILIES)
    .filter(([family]) => familyInZone(family, zone))
    .flatMap(([family, f]) =>
      Object.entries(f.shapes).map(([shape, [cpus, memoryMb]]) => ({ name: `${family}-${shape}`, cpus, memoryMb })),
    );
}

/** The accelerator type, or undefined when Compute Engine has none by that name. */
export const acceleratorTypeOf = (name: string): AcceleratorType | undefined => own(ACCELERATOR_TYPES, name);

/** The accelerator types a zone offers (acceleratorTypes.list). */
export const acceleratorTypesInZone = (zone: string): string[] =>
  Object.entries(ACCELERATOR_TYPES)
    .filter(([, a]) => a.zones.includes(zone))
    .map(([name]) => name);
