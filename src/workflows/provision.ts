/**
 * The provisioning sequence of an environment (push → cluster → deploy → expose → external IP
 * → verify → plan steps) and its compensations. A resource is marked `creating` BEFORE its
 * create call: that is the saga's registration, so a create that timed out after it happened
 * is still deleted. State lives in CarriedState, so compensations survive continue-as-new.
 */
import { patched } from '@temporalio/workflow';
import type { EnvRef } from '../contract/environment-id';
import type { ResourceLabels } from '../contract/labels';
import { failure } from '../contract/temporal-failures';
import { expiresAtLabel, LABELS } from '../contract/labels';
import { STEPS, stepLabel, stepSummary, type StepInput, type StepName, type StepResult } from '../contract/steps';
import { artifactRepositoryOf } from '../envspec/image-ref';
import { imageDeletedOnTeardown } from '../contract/provision-input';
import { endpointOf, type EnvironmentSpec, type PlanStep, type SpecApp } from '../contract/environment-spec';
import { cleanupPlan, type CleanupTarget } from './cleanup';
import type { CarriedState, ProvisionTuning } from '../contract/workflow-input';
import { callStep, type ActivityProxies } from './proxies';
import {
  ensureClusterInputOf,
  deploymentRef,
  namespaceRequest,
  deploymentRequest,
  pushRequest,
  resourceLabels,
  serviceRef,
  serviceRequest,
} from './requests';
import { secretEnvRequest } from './secret-env';
import { showStep } from './state';
import { PATCHES } from './versioning';

/** Everything a step needs. `currentStep` names the step in flight (for failure details). */
export interface EnvContext {
  spec: EnvironmentSpec;
  env: EnvRef;
  state: CarriedState;
  acts: ActivityProxies;
  tuning: ProvisionTuning;
  labels: ResourceLabels;
  currentStep: string;
}

/**
 * Runs one step: names it as the step in flight, shows its summary, and for a creating step
 * registers the compensation first (state `creating`) and marks the resource ready after.
 */
export async function step<K extends StepName>(ctx: EnvContext, name: K, input: StepInput<K>): Promise<StepResult<K>> {
  const { kind, creates } = STEPS[name];
  ctx.currentStep = stepLabel(name, input);
  if (creates) ctx.state.resources[kind] = 'creating';
  const summary = stepSummary(name, input, ctx.spec);
  showStep(summary);
  const result = await callStep(ctx.acts, name, input, summary);
  if (creates) ctx.state.resources[kind] = 'ready';
  return result;
}

/** Provisions everything up to a verified endpoint, then runs the plan. Throws on the first failure. */
export async function provision(ctx: EnvContext): Promise<void> {
  const { spec, env, state } = ctx;
  const push = pushRequest(spec, env);
  if (push && patched(PATCHES.ensureRepository)) await ensureRepository(ctx, push.repository);
  if (push) {
    const pushed = await step(ctx, 'pushImage', push);
    state.imageReference = pushed.reference;
    // The push created the repository again (a sharer deleted it meanwhile): now this environment's to clean up.
    if (pushed.repositoryCreated) state.repository = pushed.repositoryCreated;
  }
  if (spec.app && patched(PATCHES.app)) return provisionApp(ctx, spec.app);
  await ensurePlace(ctx);
  const secrets = secretEnvRequest(spec, env, ctx.labels);
  if (secrets && patched(PATCHES.secretEnv)) await step(ctx, 'applySecretEnv', secrets);
  await step(ctx, 'applyDeployment', deploymentRequest(spec, env, ctx.labels, state.imageReference));
  await step(ctx, 'applyService', serviceRequest(spec, env, ctx.labels));
  const { ip } = await step(ctx, 'waitForExternalIp', serviceRef(spec, env));
  state.endpoint = `http://${ip}:${spec.probe.port}`;
  if (spec.probe.enabled) await verify(ctx, `${state.endpoint}${spec.probe.path}`);
  await runPlan(ctx);
}

/**
 * The app path (spec `app:`): the bundle's repository (when no image push made it), the cluster,
 * then the whole app as one ApplySet, whose endpoint Service's IP is the endpoint.
 */
async function provisionApp(ctx: EnvContext, app: SpecApp): Promise<void> {
  const { spec, env, state } = ctx;
  if (!app.bundle) throw failure('InvalidSpecError', 'app.bundle: is required (gkeflow up renders and pushes the app)');
  if (!spec.image) await ensureRepository(ctx, app.bundle.slice(0, app.bundle.indexOf('@')));
  await ensurePlace(ctx);
  const { ip } = await step(ctx, 'applyApp', {
    env,
    labels: ctx.labels,
    namespace: app.namespace,
    bundle: app.bundle,
    ...(state.imageReference ? { image: state.imageReference } : {}),
    endpoint: app.endpoint,
  });
  state.endpoint = `http://${ip}:${app.endpoint.port}`;
  if (spec.probe.enabled) await verify(ctx, `${state.endpoint}${spec.probe.path}`);
  await runPlan(ctx);
}

/**
 * Where the environment lives: its own cluster, or — a namespace environment (spec
 * cluster.existing) — its own namespace on a cluster it did not create and never changes.
 */
async function ensurePlace(ctx: EnvContext): Promise<void> {
  const { spec, env } = ctx;
  if (spec.cluster.existing !== undefined && patched(PATCHES.namespaceEnvironment))
    await step(ctx, 'ensureNamespace', namespaceRequest(spec, env, ctx.labels));
  else await step(ctx, 'ensureCluster', ensureClusterInputOf(spec, env, ctx.labels));
}

/**
 * Creates the image's repository when missing; remembers it when gkeflow created it, for the
 * cleanup. The repository is registered before the call (the saga's registration, as `creating`
 * is for the other resources): a create that landed but never answered is still cleaned up, by a
 * deleteRepository that removes it only if gkeflow created it for this environment and it is empty.
 */
async function ensureRepository(ctx: EnvContext, repository: string): Promise<void> {
  const registered = patched(PATCHES.registerRepository) ? artifactRepositoryOf(repository)?.name : undefined;
  if (registered) ctx.state.repository = registered;
  const owner = ctx.labels[LABELS.owner];
  const r = await step(ctx, 'ensureRepository', { env: ctx.env, repository, ...(owner ? { owner } : {}) });
  if (r.created && r.repository) ctx.state.repository = r.repository;
  else if (registered) delete ctx.state.repository;
}

/** Probes the endpoint; a wrong status fails provisioning, a skipped probe is recorded with its reason. */
async function verify(ctx: EnvContext, url: string): Promise<void> {
  const expectStatus = ctx.spec.probe.expectStatus;
  const r = await step(ctx, 'probeEndpoint', { url, expectStatus });
  ctx.state.probe = r;
  if (!r.ok && !r.skipped)
    throw failure('EndpointProbeFailedError', `${url} answered ${r.status ?? 'nothing'}, expected ${expectStatus}`);
}

/** Runs the plan steps not yet done, in order. */
export async function runPlan(ctx: EnvContext): Promise<void> {
  while (ctx.state.stepsDone < ctx.spec.steps.length) {
    const planned = ctx.spec.steps[ctx.state.stepsDone] as PlanStep;
    if (planned.resize) await resize(ctx, planned.resize.pool, planned.resize.nodeCount);
    else await scale(ctx, planned.scale);
    ctx.state.stepsDone += 1;
  }
}

/** Scales the Deployment and waits for the rollout. */
export async function scale(ctx: EnvContext, replicas: number): Promise<{ readyReplicas: number }> {
  const r = await step(ctx, 'scaleDeployment', { ...deploymentRef(ctx.spec, ctx.env), replicas });
  ctx.state.replicas = replicas;
  return r;
}

/** Resizes a node pool and waits for GKE's operation. */
export async function resize(ctx: EnvContext, pool: string, nodeCount: number): Promise<void> {
  await step(ctx, 'resizeNodePool', { env: ctx.env, pool, nodeCount });
  ctx.state.poolSizes[pool] = nodeCount;
}

/**
 * Moves the expiry to `expiresAtMs`: rewrites the cluster's `gkeflow-expires-at` label first
 * (the reaper reads it), then the state, so a failed relabel leaves the TTL as it was.
 */
export async function extendTtl(ctx: EnvContext, expiresAtMs: number): Promise<void> {
  const live = ctx.state.resources.cluster !== 'absent' && ctx.state.resources.cluster !== 'deleted';
  const labels = resourceLabels(ctx.spec, expiresAtMs, ctx.labels[LABELS.owner]);
  if (live)
    await step(ctx, 'setClusterLabels', { env: ctx.env, labels: { [LABELS.expiresAt]: expiresAtLabel(expiresAtMs) } });
  // A namespace environment relabels its namespace (the reaper reads it there).
  const ns = ctx.state.resources.namespace;
  if (ns !== undefined && ns !== 'absent' && ns !== 'deleted' && patched(PATCHES.namespaceEnvironment))
    await step(ctx, 'ensureNamespace', namespaceRequest(ctx.spec, ctx.env, labels));
  ctx.state.expiresAtMs = expiresAtMs;
  ctx.labels = labels;
}

/** The compensations of what exists (or may exist), in teardown order: Service → Deployment → namespace | cluster → image tag. */
export function cleanupTargets(ctx: EnvContext): CleanupTarget[] {
  const { spec, env, state } = ctx;
  const live = (k: keyof CarriedState['resources']) =>
    state.resources[k] !== undefined && state.resources[k] !== 'absent' && state.resources[k] !== 'deleted';
  const image = live('image') ? imageDeletedOnTeardown(spec, ctx.tuning) : undefined;
  // A repository gkeflow created goes with its image tag; when the image is kept on teardown, it
  // still goes if the push never completed (cancelled or failed): it is empty, else deleteRepository keeps it.
  const unpushed = state.resources.image === 'absent' || state.resources.image === 'creating';
  const repository =
    image || (state.repository && unpushed && patched(PATCHES.unpushedRepositoryCleanup))
      ? state.repository
      : undefined;
  const bundle = spec.app?.bundle;
  return cleanupPlan(ctx.acts, {
    env,
    namespace: endpointOf(spec).namespace,
    service: live('service') && !spec.app ? spec.service?.name : undefined,
    deployment: live('deployment') ? spec.deployment?.name : undefined,
    ...(spec.app && live('service') ? { app: true } : {}),
    ...(bundle
      ? { bundle: { repository: bundle.slice(0, bundle.indexOf('@')), digest: bundle.slice(bundle.indexOf('@') + 1) } }
      : {}),
    ...(spec.cluster.existing !== undefined && live('namespace') ? { ownNamespace: spec.cluster.namespace } : {}),
    cluster: live('cluster'),
    image,
    repository,
  });
}
