/**
 * `up`/`plan`'s check of a spec's machine and GPU types against Compute Engine in the zones its
 * nodes run in (machineTypes.get, acceleratorTypes.get): a 404 is bad input (exit 2 naming the
 * field, nothing started). An API it cannot reach or that refuses the credentials only warns:
 * GKE's CreateCluster stays the authority, as for locations (gke-preflight.ts).
 */
import type { ComputeGet } from '../clients/compute';
import { SpecValidationError, type EnvironmentSpec } from '../envspec';
import type { SpecIssue } from '../envspec';
import { acceleratorTypeOf } from '../gke/machine-types';
import { defaultNodeZones } from '../gke/rules';

export interface ComputePreflightDeps {
  get: ComputeGet;
  warn: (line: string) => void;
}

/** Thrown inside the check when Compute Engine cannot tell; the check then warns and stops. */
class CannotTell extends Error {}

/** Throws SpecValidationError naming each refused field; warns and returns when Compute Engine cannot tell. */
export async function checkSpecWithCompute(
  spec: EnvironmentSpec,
  source: string,
  deps: ComputePreflightDeps,
): Promise<void> {
  const zones = defaultNodeZones(spec.location);
  const issues: SpecIssue[] = [];
  const ask = async (path: string) => {
    let a;
    try {
      a = await deps.get(`projects/${spec.project}/zones/${path}`);
    } catch (e) {
      throw new CannotTell((e as Error).message);
    }
    if (a.found) return a.body;
    if (a.status === 404) return undefined;
    throw new CannotTell(`HTTP ${a.status}: ${a.message}`);
  };
  try {
    for (const [i, p] of spec.cluster.nodePools.entries()) {
      for (const zone of zones) {
        const mt = await ask(`${zone}/machineTypes/${p.machineType}`);
        if (!mt) {
          issues.push({
            path: `cluster.nodePools[${i}].machineType`,
            message: `Compute Engine has no machine type ${p.machineType} in zone ${zone}`,
          });
          break;
        }
        for (const [j, a] of (p.accelerators ?? []).entries()) {
          const path = `cluster.nodePools[${i}].accelerators[${j}].type`;
          if (!(await ask(`${zone}/acceleratorTypes/${a.type}`))) {
            issues.push({ path, message: `Compute Engine has no accelerator type ${a.type} in zone ${zone}` });
            continue;
          }
          const fixed = (mt.accelerators as Array<{ guestAcceleratorType?: string }> | undefined)?.[0];
          const family = p.machineType.split('-')[0] ?? '';
          const runsOn = acceleratorTypeOf(a.type)?.families;
          if (fixed ? fixed.guestAcceleratorType !== a.type : runsOn && !runsOn.includes(family))
            issues.push({
              path,
              message: `${a.type} does not run on ${p.machineType}${fixed ? ` (it comes with ${fixed.guestAcceleratorType})` : runsOn ? ` (it runs on ${runsOn.join(', ')} machines)` : ''}`,
            });
        }
      }
    }
  } catch (e) {
    if (!(e instanceof CannotTell)) throw e;
    deps.warn(
      `warning: could not check machine and accelerator types against Compute Engine (${e.message}); ` +
        'going on: GKE checks them when the cluster is created',
    );
    return;
  }
  if (issues.length) throw new SpecValidationError(issues, source);
}
