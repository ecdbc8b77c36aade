/**
 * What `gkeflow up` does for a spec with `app:` before it starts anything: render the app (exit
 * 2 naming the file and object on any problem, nothing created), make sure the environment's
 * Artifact Registry repository exists (labelled as this environment's, so the workflow adopts
 * and later deletes it), push the bundle, and return the spec with `app.bundle` set to its digest.
 */
import { createArtifactRegistryApi } from '../clients/artifact-registry';
import type { TargetConfig } from '../clients/config';
import { artifactRegistryError } from '../clients/registry-errors';
import { NameTakenError } from '../contract/activity-errors';
import { managedLabels } from '../contract/labels';
import { envRefOf, SpecValidationError, validateSpec, type EnvironmentSpec } from '../envspec';
import { artifactRepositoryOf, bundleRepositoryOf } from '../envspec/image-ref';
import { renderApp, type RenderDeps } from './render';
import { pushBundle } from './transport';
import type { Bundle } from './format';

/** Renders the spec's app; throws SpecValidationError naming every problem. */
export async function renderOrThrow(spec: EnvironmentSpec, source: string, deps: RenderDeps): Promise<Bundle> {
  if (!spec.app) return { objects: [] };
  const { bundle, issues } = await renderApp(spec.app, deps);
  if (issues.length > 0) throw new SpecValidationError(issues, source);
  return bundle;
}

/** Renders and pushes the app; the spec returned names its bundle by digest. */
export async function prepareApp(
  spec: EnvironmentSpec,
  source: string,
  config: TargetConfig,
  deps: RenderDeps,
): Promise<EnvironmentSpec> {
  if (!spec.app) return spec;
  const bundle = await renderOrThrow(spec, source, deps);
  const repository = bundleRepositoryOf(spec);
  await ensureBundleRepository(spec, repository, config);
  const ref = await pushBundle(bundle, repository, config);
  const plain = JSON.parse(JSON.stringify(spec)) as EnvironmentSpec;
  return validateSpec({ ...plain, app: { ...plain.app, bundle: ref } }, source);
}

/**
 * Creates the bundle's Artifact Registry repository when missing, with this environment's labels
 * (the workflow's ensureRepository then finds it as created for this environment). A registry
 * with no Artifact Registry API in front (the bare local registry) needs none: skipped.
 */
async function ensureBundleRepository(spec: EnvironmentSpec, repository: string, config: TargetConfig): Promise<void> {
  const target = artifactRepositoryOf(repository);
  if (!target || (config.target === 'local' && !config.emulatorAddress)) return;
  const api = createArtifactRegistryApi(config);
  try {
    if (await api.getRepository(target.name)) return;
    await api.createRepository(target.parent, target.id, managedLabels(envRefOf(spec)));
  } catch (e) {
    const mapped = artifactRegistryError(e, { repository: target.name });
    if (!(mapped instanceof NameTakenError)) throw mapped;
  } finally {
    await api.close();
  }
}
