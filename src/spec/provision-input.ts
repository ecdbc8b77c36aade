/** From a validated spec to the environment's identity and the workflow's input. */
import type { EnvRef } from '../activities/types';
import type { ProvisionInput, ProvisionTuning } from '../workflows/input';
import type { EnvironmentSpec } from './validate';

/** The workflow id of an environment: `gkeflow/<project>/<location>/<cluster>`. */
export function envIdOf(spec: Pick<EnvironmentSpec, 'project' | 'location'> & { cluster: { name: string } }): string {
  return `gkeflow/${spec.project}/${spec.location}/${spec.cluster.name}`;
}

/** The EnvRef activities get: the environment's coordinates (no credentials). */
export function envRefOf(spec: Pick<EnvironmentSpec, 'project' | 'location'> & { cluster: { name: string } }): EnvRef {
  return { id: envIdOf(spec), project: spec.project, location: spec.location, cluster: spec.cluster.name };
}

/** The environment workflow's input for a validated spec (a plain JSON copy, safe for history). */
export function toProvisionInput(spec: EnvironmentSpec, tuning?: ProvisionTuning): ProvisionInput {
  const plain = JSON.parse(JSON.stringify(spec)) as EnvironmentSpec;
  return tuning ? { spec: plain, tuning } : { spec: plain };
}
