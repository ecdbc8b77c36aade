/**
 * The env Secret of a Deployment: values named by `secretFrom` in the spec are read here, on
 * the worker (its environment or a file), and go straight into a Kubernetes Secret. They are
 * never an activity input or result, so they never enter workflow history.
 */
import fs from 'node:fs';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { kubeLib, SERVER_SIDE_APPLY } from '../clients/kube-lib';
import { InvalidArgumentError } from '../contract/activity-errors';
import { kubeError } from '../clients/kube-errors';
import { namespaceManifest, secretEnvManifest } from './kube-manifests';
import { FIELD_MANAGER } from './kube';
import type { ApplySecretEnvInput, ApplySecretEnvResult } from '../contract/workload-io';
import type { EnvRef } from '../contract/environment-id';

export interface SecretEnvDeps {
  kubeFor: (env: EnvRef) => Promise<KubeConfig>;
  /** Where `env:` sources are read (the worker's environment). */
  environment?: NodeJS.ProcessEnv;
}

/** The value of one source; a missing one names the variable or file, never a value. */
function readSource(name: string, source: string, environment: NodeJS.ProcessEnv): string {
  if (source.startsWith('env:')) {
    const v = environment[source.slice(4)];
    if (v === undefined) throw new InvalidArgumentError(`env ${name}: the worker has no variable ${source.slice(4)}`);
    return v;
  }
  if (source.startsWith('file:')) {
    try {
      return fs.readFileSync(source.slice(5), 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new InvalidArgumentError(`env ${name}: the worker cannot read ${source.slice(5)} (${code})`);
    }
  }
  throw new InvalidArgumentError(`env ${name}: secretFrom must be env:<VARIABLE> or file:<path>`);
}

async function apply<T extends KubernetesObject>(kc: KubeConfig, obj: T): Promise<void> {
  await (
    await kubeLib()
  ).KubernetesObjectApi.makeApiClient(kc)
    .patch(obj, undefined, undefined, FIELD_MANAGER, true, SERVER_SIDE_APPLY)
    .catch((e: unknown) => {
      throw kubeError(e, { kind: obj.kind, namespace: obj.metadata?.namespace, name: obj.metadata?.name });
    });
}

/** Builds the secret activities. */
export function secretEnvActivities(deps: SecretEnvDeps) {
  return {
    /** Server-side applies the Deployment's env Secret from the worker's sources. */
    async applySecretEnv(input: ApplySecretEnvInput): Promise<ApplySecretEnvResult> {
      const environment = deps.environment ?? process.env;
      const values = Object.fromEntries(
        Object.entries(input.sources).map(([name, source]) => [name, readSource(name, source, environment)]),
      );
      const kc = await deps.kubeFor(input.env);
      if (input.namespace !== 'default') await apply(kc, namespaceManifest(input.env, input.namespace));
      const secret = secretEnvManifest(input, values);
      await apply(kc, secret);
      return { secret: secret.metadata!.name!, keys: Object.keys(values).sort() };
    },
  };
}
