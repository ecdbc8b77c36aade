/**
 * A node pool's NodeConfig as GKE (and Compute Engine under it) checks it: the machine type must
 * exist in each of the pool's zones, GPUs only on their families, in their zones and in the
 * counts their machine type takes; Spot; Kubernetes taints. The table is src/gke/machine-types.ts.
 */
import { acceleratorTypeOf, familyInZone, machineTypeOf } from '../../gke/machine-types';
import { invalidArgument } from '../errors';
import type { PoolAccelerator, PoolTaint } from '../store/records';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const shown = (v: unknown) => String(v).slice(0, 80);

/**
 * Refuses a machine type Compute Engine lacks in one of the zones, in GKE's words
 * (`Invalid machine type "e2-standard-4" in zone "us-central2-b": GCE_NOT_FOUND`).
 */
export function checkMachineTypeInZones(machineType: string, zones: readonly string[]): void {
  const mt = machineTypeOf(machineType);
  for (const zone of zones)
    if (!mt || !familyInZone(mt.family, zone))
      throw invalidArgument(`Invalid machine type "${shown(machineType)}" in zone "${zone}": GCE_NOT_FOUND`);
}

const DRIVER_VERSIONS = new Set(['GPU_DRIVER_VERSION_UNSPECIFIED', 'INSTALLATION_DISABLED', 'DEFAULT', 'LATEST']);

/**
 * NodeConfig.accelerators: each type must exist in every zone of the pool, run on the machine's
 * family, in a count the machine type takes. `defaulted`: the machine type was not given (GKE
 * refuses its default e2-medium with GPUs in its own words).
 */
export function checkAccelerators(
  v: unknown,
  field: string,
  machineType: string,
  zones: readonly string[],
  defaulted: boolean,
): PoolAccelerator[] {
  if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) return [];
  if (!Array.isArray(v)) throw invalidArgument(`${field}: must be a list of AcceleratorConfig`);
  if (defaulted)
    throw invalidArgument(
      `Cannot use default machine type (${machineType}) with GPUs; choose a different machine type.`,
    );
  const mt = machineTypeOf(machineType);
  return v.map((a, i): PoolAccelerator => {
    const f = `${field}[${i}]`;
    if (!isObj(a)) throw invalidArgument(`${f}: required`);
    const type = typeof a.acceleratorType === 'string' ? a.acceleratorType : '';
    const count = a.acceleratorCount;
    if (!type) throw invalidArgument(`${f}.acceleratorType: required`);
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1)
      throw invalidArgument(`${f}.acceleratorCount: must be a whole number ≥ 1 (got ${shown(count)})`);
    const gpu = acceleratorTypeOf(type);
    for (const zone of zones)
      if (!gpu || !gpu.zones.includes(zone))
        throw invalidArgument(`Accelerator type "${shown(type)}" does not exist in zone "${zone}".`);
    if (!gpu || !mt || !gpu.families.includes(mt.family))
      throw invalidArgument(
        `[${shown(type)}, ${shown(machineType)}] features are not compatible for creating instance.`,
      );
    const allowed = gpu.countsFor(machineType, mt.cpus);
    if (!allowed.includes(count))
      throw invalidArgument(
        `The accelerator count "${count}" is not allowed. The allowed numbers of accelerator "${type}" to use with machine type "${machineType}" are: [${allowed.join(', ')}].`,
      );
    const driver = isObj(a.gpuDriverInstallationConfig) ? a.gpuDriverInstallationConfig.gpuDriverVersion : undefined;
    if (driver !== undefined && (typeof driver !== 'string' || !DRIVER_VERSIONS.has(driver)))
      throw invalidArgument(`${f}.gpuDriverInstallationConfig.gpuDriverVersion: unknown version '${shown(driver)}'`);
    return {
      type,
      count,
      ...(driver && driver !== 'GPU_DRIVER_VERSION_UNSPECIFIED' ? { gpuDriverVersion: driver } : {}),
    };
  });
}

const EFFECTS = new Set(['NO_SCHEDULE', 'PREFER_NO_SCHEDULE', 'NO_EXECUTE']);
const TAINT_KEY = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const TAINT_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** NodeConfig.taints: Kubernetes keys and values, one of GKE's NodeTaint effects. */
export function checkTaints(v: unknown, field: string): PoolTaint[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalidArgument(`${field}: must be a list of NodeTaint`);
  return v.map((t, i): PoolTaint => {
    const f = `${field}[${i}]`;
    if (!isObj(t) || typeof t.key !== 'string' || !TAINT_KEY.test(t.key))
      throw invalidArgument(`${f}.key: not a Kubernetes taint key`);
    const value = t.value ?? '';
    if (typeof value !== 'string' || !TAINT_VALUE.test(value))
      throw invalidArgument(`${f}.value: not a Kubernetes taint value`);
    if (typeof t.effect !== 'string' || !EFFECTS.has(t.effect))
      throw invalidArgument(
        `${f}.effect: must be NO_SCHEDULE, PREFER_NO_SCHEDULE or NO_EXECUTE (got ${shown(t.effect)})`,
      );
    return { key: t.key, value, effect: t.effect as PoolTaint['effect'] };
  });
}
