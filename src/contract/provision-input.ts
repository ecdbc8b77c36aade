/** From a validated spec to the environment's identity and the workflow's input. */
import type { EnvRef } from './environment-id';
import { envRef, formatEnvId } from './environment-id';
import type { ProvisionInput, ProvisionTuning } from './workflow-input';
import { clusterNameOf, type EnvironmentSpec } from './environment-spec';

type SpecCoordinates = Pick<EnvironmentSpec, 'project' | 'location'> & {
  cluster: Pick<EnvironmentSpec['cluster'], 'name' | 'existing' | 'namespace'>;
};

/** A spec's coordinates: its cluster, and for a namespace environment (`cluster.existing`) its namespace. */
const coordinatesOf = (spec: SpecCoordinates) => ({
  project: spec.project,
  location: spec.location,
  cluster: clusterNameOf(spec),
  ...(spec.cluster.existing !== undefined ? { namespace: spec.cluster.namespace } : {}),
});

/** The environment id (and workflow id) of a spec (see src/contract/environment-id.ts). */
export function envIdOf(spec: SpecCoordinates): string {
  return formatEnvId(coordinatesOf(spec));
}

/** The EnvRef activities get: the environment's coordinates (no credentials). */
export function envRefOf(spec: SpecCoordinates): EnvRef {
  return envRef(coordinatesOf(spec));
}

/**
 * The image tag a teardown deletes: the spec's, when its `image.deleteOnTeardown` or the run's
 * tuning (`deleteImageOnTeardown`) says so. The environment workflow and the reaper both ask here.
 */
export function imageDeletedOnTeardown(
  spec: Pick<EnvironmentSpec, 'image'>,
  tuning?: ProvisionTuning,
): { repository: string; tag: string } | undefined {
  if (!spec.image || !(spec.image.deleteOnTeardown || tuning?.deleteImageOnTeardown)) return undefined;
  return { repository: spec.image.repository, tag: spec.image.tag };
}

/** The environment workflow's input for a validated spec (a plain JSON copy, safe for history). */
export function toProvisionInput(spec: EnvironmentSpec, tuning?: ProvisionTuning): ProvisionInput {
  const plain = JSON.parse(JSON.stringify(spec)) as EnvironmentSpec;
  return tuning ? { spec: plain, tuning } : { spec: plain };
}
