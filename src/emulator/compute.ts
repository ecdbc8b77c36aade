/**
 * Compute Engine's machineTypes and acceleratorTypes (list and get, REST JSON as
 * compute.googleapis.com answers them), served on the emulator's admin HTTP port under
 * `/compute/v1/projects/P/zones/Z/…`: gkeflow's `up`/`plan` check a spec's machine and GPU types
 * through them, as they would through Compute Engine. The table is src/gke/machine-types.ts.
 */
import {
  ACCELERATOR_TYPES,
  acceleratorTypesInZone,
  familyInZone,
  machineTypeOf,
  machineTypesInZone,
} from '../gke/machine-types';
import { gcpLocationExists } from '../gke/locations';
import { ZONE_RE } from '../gke/rules';

const BASE = 'https://www.googleapis.com/compute/v1';
const ROUTE = /^\/compute\/v1\/projects\/([^/]+)\/zones\/([^/]+)\/(machineTypes|acceleratorTypes)(?:\/([^/]+))?$/;

/** Compute Engine's error body. */
const error = (code: number, reason: string, message: string): [number, unknown] => [
  code,
  { error: { code, message, errors: [{ domain: 'global', reason, message }] } },
];

function machineType(project: string, zone: string, name: string, cpus: number, memoryMb: number) {
  const gpu = Object.entries(ACCELERATOR_TYPES).find(([, a]) => a.families.includes(name.split('-')[0]!));
  const fixed = gpu && ['g2', 'a2'].includes(name.split('-')[0]!) ? gpu[1].countsFor(name, cpus)[0] : undefined;
  return {
    kind: 'compute#machineType',
    name,
    description: `${cpus} vCPU${cpus === 1 ? '' : 's'}, ${(memoryMb / 1024).toFixed(2).replace(/\.?0+$/, '')} GB RAM`,
    guestCpus: cpus,
    memoryMb,
    isSharedCpu: /^(e2-(micro|small|medium)|g1-small|f1-micro)$/.test(name),
    zone,
    selfLink: `${BASE}/projects/${project}/zones/${zone}/machineTypes/${name}`,
    ...(gpu && fixed ? { accelerators: [{ guestAcceleratorType: gpu[0], guestAcceleratorCount: fixed }] } : {}),
  };
}

function acceleratorType(project: string, zone: string, name: string) {
  return {
    kind: 'compute#acceleratorType',
    name,
    description: ACCELERATOR_TYPES[name]!.description,
    zone,
    selfLink: `${BASE}/projects/${project}/zones/${zone}/acceleratorTypes/${name}`,
    maximumCardsPerInstance: name === 'nvidia-tesla-a100' ? 16 : name === 'nvidia-l4' ? 8 : 4,
  };
}

/** The answer to a GET under /compute/v1, or undefined when the path is not Compute's. */
export function computeRoute(pathname: string): [number, unknown] | undefined {
  const m = ROUTE.exec(pathname);
  if (!m) return undefined;
  const [, project = '', zone = '', collection, name] = m;
  if (!ZONE_RE.test(zone) || !gcpLocationExists(zone))
    return error(400, 'invalid', `Invalid value for field 'zone': '${zone.slice(0, 80)}'. Unknown zone.`);
  const notFound = () =>
    error(404, 'notFound', `The resource 'projects/${project}/zones/${zone}/${collection}/${name}' was not found`);
  if (collection === 'machineTypes') {
    if (name === undefined)
      return [
        200,
        {
          kind: 'compute#machineTypeList',
          items: machineTypesInZone(zone).map((t) => machineType(project, zone, t.name, t.cpus, t.memoryMb)),
          selfLink: `${BASE}/projects/${project}/zones/${zone}/machineTypes`,
        },
      ];
    const t = machineTypeInZone(name, zone);
    return t ? [200, machineType(project, zone, name, t.cpus, t.memoryMb)] : notFound();
  }
  if (name === undefined)
    return [
      200,
      {
        kind: 'compute#acceleratorTypeList',
        items: acceleratorTypesInZone(zone).map((a) => acceleratorType(project, zone, a)),
        selfLink: `${BASE}/projects/${project}/zones/${zone}/acceleratorTypes`,
      },
    ];
  return acceleratorTypesInZone(zone).includes(name) ? [200, acceleratorType(project, zone, name)] : notFound();
}

function machineTypeInZone(name: string, zone: string) {
  const t = machineTypeOf(name);
  return t && familyInZone(t.family, zone) ? t : undefined;
}
