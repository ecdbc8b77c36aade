/**
 * The request for a Deployment's env Secret: which env vars are `secretFrom` and where the
 * worker reads them. Only names and sources, never values. Workflow-safe.
 */
import type { ApplySecretEnvInput } from '../contract/workload-io';
import type { EnvRef } from '../contract/environment-id';
import type { ResourceLabels } from '../contract/labels';
import type { EnvironmentSpec } from '../contract/environment-spec';

/** The applySecretEnv input of a spec, or undefined when no container has a `secretFrom` env value. */
export function secretEnvRequest(
  spec: EnvironmentSpec,
  env: EnvRef,
  labels: ResourceLabels,
): ApplySecretEnvInput | undefined {
  const sources: Record<string, string> = {};
  const d = spec.deployment;
  if (!d) return undefined;
  for (const c of d.containers)
    for (const [name, v] of Object.entries(c.env ?? {}))
      if (typeof v !== 'string') sources[`${c.name}.${name}`] = v.secretFrom;
  if (Object.keys(sources).length === 0) return undefined;
  return { env, namespace: d.namespace, deployment: d.name, labels: { ...labels, ...d.labels }, sources };
}
