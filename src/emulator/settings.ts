/**
 * The emulator's settings: delays, speed, quotas, faults, auth. One shape for startEmulator(),
 * the standalone entry (flags → env → config file → defaults) and the admin endpoint.
 */
import type { FaultRule } from './faults';
import type { KwokToolchainProvider } from './runtime';

/** Injected time (ms, at speed 1) each kind of work takes. Ordered like GKE: create > resize > LB IP. */
export interface Delays {
  /** PENDING → RUNNING of every operation. */
  operationPending: number;
  createCluster: number;
  deleteCluster: number;
  updateCluster: number;
  setLabels: number;
  createNodePool: number;
  deleteNodePool: number;
  setNodePoolSize: number;
  setNodePoolAutoscaling: number;
  /** LoadBalancer Service → external IP (fixed into a kwok cluster when it is created). */
  lbProvision: number;
  /** Service deletion → cleanup finalizer removed (same). */
  lbRelease: number;
  /**
   * Length of the operation GKE itself may start right after a cluster is created (then a
   * change fails FAILED_PRECONDITION until it ends). 0 = GKE starts none (default).
   */
  autoOperationAfterCreate: number;
}

/** Realistic in order, short in absolute terms (GKE: create 3–10 min, resize ~2 min, LB IP ~1 min). */
export const DEFAULT_DELAYS: Delays = {
  operationPending: 200,
  createCluster: 6000,
  deleteCluster: 3000,
  updateCluster: 1500,
  setLabels: 300,
  createNodePool: 3000,
  deleteNodePool: 2000,
  setNodePoolSize: 2500,
  setNodePoolAutoscaling: 1000,
  lbProvision: 1500,
  lbRelease: 1000,
  autoOperationAfterCreate: 0,
};

/** Every delay zero: as fast as the control plane allows (tests). */
export const ZERO_DELAYS: Delays = Object.fromEntries(
  Object.keys(DEFAULT_DELAYS).map((k) => [k, 0]),
) as unknown as Delays;

/**
 * GKE's own durations (ms at speed 1): create 5 min, delete 3 min, resize 2 min, a load
 * balancer's IP 60 s. With `speed` they keep their proportions: speed 60 makes a create 5 s.
 */
export const GKE_DELAYS: Delays = {
  operationPending: 2000,
  createCluster: 300_000,
  deleteCluster: 180_000,
  updateCluster: 120_000,
  setLabels: 5000,
  createNodePool: 120_000,
  deleteNodePool: 120_000,
  setNodePoolSize: 120_000,
  setNodePoolAutoscaling: 30_000,
  lbProvision: 60_000,
  lbRelease: 30_000,
  autoOperationAfterCreate: 0,
};

/** Named sets of delays: `default` (seconds, ordered like GKE), `gke` (GKE's real durations), `zero`. */
export const DELAY_PROFILES = { default: DEFAULT_DELAYS, gke: GKE_DELAYS, zero: ZERO_DELAYS } as const;
export type DelayProfile = keyof typeof DELAY_PROFILES;

/** The delays of a profile by name; throws naming the known ones. */
export function delayProfile(name: string): Delays {
  if (!Object.hasOwn(DELAY_PROFILES, name))
    throw new Error(`unknown delay profile '${name}'; known: ${Object.keys(DELAY_PROFILES).join(', ')}`);
  return DELAY_PROFILES[name as DelayProfile];
}

/**
 * Quotas, checked at create/resize time. A cluster count over its limit is RESOURCE_EXHAUSTED;
 * nodes (Compute Engine INSTANCES), their vCPUs (CPUS, per region) and boot disks (SSD_TOTAL_GB,
 * per region: pd-balanced) are PERMISSION_DENIED "Insufficient regional quota", as on GKE.
 */
export interface Quotas {
  clustersPerProject: number;
  nodesPerProject: number;
  cpusPerRegion: number;
  ssdGbPerRegion: number;
  /** GPUs per region and GPU type (NVIDIA_L4_GPUS, NVIDIA_T4_GPUS, …): 0 in a new project, as on GCP. */
  gpusPerRegion: number;
}

/**
 * Generous for local work; tests lower them. A new GCP project has far less (e.g. 24 CPUS and
 * 500 SSD_TOTAL_GB per region): a regional 3 × e2-medium × 100 GB pool (900 GB) does not fit.
 */
export const DEFAULT_QUOTAS: Quotas = {
  clustersPerProject: 50,
  nodesPerProject: 200,
  cpusPerRegion: 2000,
  ssdGbPerRegion: 100_000,
  gpusPerRegion: 0,
};

/** What starts an emulator. */
export interface EmulatorOptions {
  /** gRPC port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  /** Admin HTTP port on 127.0.0.1; 0 picks a free one. */
  adminPort?: number;
  /** Where state (emulator.json) and the kwok clusters live. */
  stateDir: string;
  /** 'kwok': each cluster is a real control plane; 'none': GKE metadata only (fast). Default 'kwok'. */
  controlPlane?: 'kwok' | 'none';
  /** Divides every delay: 10 runs ten times faster. Default 1. */
  speed?: number;
  /** The delays to start from (`gke`: GKE's real durations); `delays` overrides single ones. Default `default`. */
  profile?: DelayProfile;
  delays?: Partial<Delays>;
  quotas?: Partial<Quotas>;
  faults?: FaultRule[];
  /** Seeds the fault PRNG so probabilistic faults repeat exactly. Default 1. */
  seed?: number;
  /** Reject calls without `authorization: Bearer <token>`; a string also fixes the token. */
  requireAuth?: boolean | string;
  /**
   * Refuse calls without `x-goog-user-project` (PERMISSION_DENIED), as Google APIs refuse calls
   * made with user Application Default Credentials that name no quota project.
   */
  requireQuotaProject?: boolean;
  /** Progress lines (cluster created, control plane restarted, …). */
  log?: (line: string) => void;
  /**
   * Provides the binaries of kwok control planes (needed when a cluster gets one), e.g.
   * `(log) => ensureToolchain({ only: [...KWOK_TOOLCHAIN_COMPONENTS], log })`.
   */
  toolchain?: KwokToolchainProvider;
}

/**
 * Settings after defaults, validated and frozen. The admin endpoint changes speed, delays and
 * quotas at run time by replacing the whole value (patchSettings), never by editing it.
 */
export interface Settings {
  readonly controlPlane: 'kwok' | 'none';
  readonly speed: number;
  readonly delays: Readonly<Delays>;
  readonly quotas: Readonly<Quotas>;
  readonly requireAuth: boolean | string;
  readonly requireQuotaProject: boolean;
}

/** True for a usable speed: a finite number > 0. */
export const isSpeed = (v: unknown): v is number => typeof v === 'number' && v > 0 && Number.isFinite(v);

const freeze = (s: Settings): Settings =>
  Object.freeze({ ...s, delays: Object.freeze({ ...s.delays }), quotas: Object.freeze({ ...s.quotas }) });

/** Applies defaults and checks ranges; throws an Error naming the bad field. */
export function resolveSettings(o: EmulatorOptions): Settings {
  const speed = o.speed ?? 1;
  if (!isSpeed(speed)) throw new Error(`speed must be a positive number (got ${o.speed})`);
  return freeze({
    controlPlane: o.controlPlane ?? 'kwok',
    speed,
    delays: checkDelays({ ...delayProfile(o.profile ?? 'default'), ...o.delays }),
    quotas: { ...DEFAULT_QUOTAS, ...o.quotas },
    requireAuth: o.requireAuth ?? false,
    requireQuotaProject: o.requireQuotaProject ?? false,
  });
}

/** What the admin endpoint may change at run time, as sent; absent fields keep their value. */
export interface SettingsPatch {
  speed?: unknown;
  delays?: unknown;
  quotas?: unknown;
}

function objectOrEmpty(v: unknown, what: string): Record<string, unknown> {
  if (!v) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what} must be a JSON object`);
  return v as Record<string, unknown>;
}

/** New settings: the current ones with the patch applied, checked and frozen; throws an Error naming the bad field. */
export function patchSettings(current: Settings, patch: SettingsPatch): Settings {
  const speed = patch.speed ?? current.speed;
  if (!isSpeed(speed)) throw new Error('speed must be a positive number');
  const delays = checkDelays({ ...current.delays, ...objectOrEmpty(patch.delays, 'delays') } as Delays);
  const quotas = { ...current.quotas, ...objectOrEmpty(patch.quotas, 'quotas') } as Quotas;
  for (const [k, v] of Object.entries(quotas))
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`quotas.${k} must be an integer ≥ 0`);
  return freeze({ ...current, speed, delays, quotas });
}

/** Checks every delay is a finite number ≥ 0; returns them. */
export function checkDelays(d: Delays): Delays {
  for (const [k, v] of Object.entries(d)) {
    if (!(k in DEFAULT_DELAYS))
      throw new Error(`unknown delay '${k}'; known: ${Object.keys(DEFAULT_DELAYS).join(', ')}`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new Error(`delays.${k} must be a number of milliseconds ≥ 0 (got ${JSON.stringify(v)})`);
  }
  return d;
}

/** The effective wait for a delay at the current speed. */
export const scaled = (s: Settings, key: keyof Delays): number => Math.round(s.delays[key] / s.speed);

/** LoadBalancer timings for a new kwok cluster at the current delays and speed (fixed into it at creation). */
export const lbTimings = (s: Settings) => ({
  provisionMs: scaled(s, 'lbProvision'),
  releaseMs: scaled(s, 'lbRelease'),
});
