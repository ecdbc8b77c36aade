/**
 * The provisioning sequence of an environment (push → cluster → deploy → expose → external IP
 * → verify → plan steps) and its compensations. A resource is marked `creating` BEFORE its
 * create call: that is the saga's registration, so a create that timed out after it happened
 * is still deleted. State lives in CarriedState, so compensations survive continue-as-new.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { EnvRef, ResourceLabels } from '../activities/types';
import type { EnvironmentSpec, PlanStep } from '../spec/validate';
import type { CleanupTarget } from './cleanup';
import { WorkflowErrorType } from './errors';
import type { CarriedState, ProvisionTuning, ResourceKind } from './input';
import { call, type ActivityProxies } from './proxies';
import { clusterRequest, deploymentRef, deploymentRequest, pushRequest, serviceRef, serviceRequest, summaries } from './requests';
import { showStep } from './state';

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

/** Runs one creating step: registers its compensation (state `creating`), runs it, marks it ready. */
async function create(ctx: EnvContext, kind: ResourceKind, step: string, summary: string, run: () => Promise<unknown>): Promise<void> {
  ctx.currentStep = step;
  ctx.state.resources[kind] = 'creating';
  showStep(summary);
  await run();
  ctx.state.resources[kind] = 'ready';
}

/** Provisions everything up to a verified endpoint, then runs the plan. Throws on the first failure. */
export async function provision(ctx: EnvContext): Promise<void> {
  const { spec, env, state, acts } = ctx;
  const push = pushRequest(spec, env);
  if (push) {
    await create(ctx, 'image', 'pushImage', summaries.push(spec), async () => {
      state.imageReference = (await call(acts.long, 'pushImage', summaries.push(spec), push)).reference;
    });
  }
  await create(ctx, 'cluster', 'ensureCluster', summaries.cluster(spec), () => call(acts.long, 'ensureCluster', summaries.cluster(spec), clusterRequest(spec, env, ctx.labels)));
  await create(ctx, 'deployment', 'applyDeployment', summaries.deploy(spec), () =>
    call(acts.long, 'applyDeployment', summaries.deploy(spec), deploymentRequest(spec, env, ctx.labels, state.imageReference)),
  );
  await create(ctx, 'service', 'applyService', summaries.expose(spec), () => call(acts.short, 'applyService', summaries.expose(spec), serviceRequest(spec, env, ctx.labels)));
  ctx.currentStep = 'waitForExternalIp';
  showStep(summaries.externalIp(spec));
  const { ip } = await call(acts.long, 'waitForExternalIp', summaries.externalIp(spec), serviceRef(spec, env));
  state.endpoint = `http://${ip}:${spec.probe.port}`;
  if (spec.probe.enabled) await verify(ctx, `${state.endpoint}${spec.probe.path}`);
  await runPlan(ctx);
}

/** Probes the endpoint; a wrong status fails provisioning, a skipped probe is recorded with its reason. */
async function verify(ctx: EnvContext, url: string): Promise<void> {
  ctx.currentStep = 'probeEndpoint';
  const summary = summaries.probe(url, ctx.spec.probe.expectStatus);
  showStep(summary);
  const r = await call(ctx.acts.short, 'probeEndpoint', summary, { url, expectStatus: ctx.spec.probe.expectStatus });
  ctx.state.probe = r;
  if (!r.ok && !r.skipped) {
    throw ApplicationFailure.create({ type: WorkflowErrorType.probeFailed, message: `${url} answered ${r.status ?? 'nothing'}, expected ${ctx.spec.probe.expectStatus}`, nonRetryable: true });
  }
}

/** Runs the plan steps not yet done, in order. */
export async function runPlan(ctx: EnvContext): Promise<void> {
  while (ctx.state.stepsDone < ctx.spec.steps.length) {
    const step = ctx.spec.steps[ctx.state.stepsDone] as PlanStep;
    if (step.resize) await resize(ctx, step.resize.pool, step.resize.nodeCount);
    else await scale(ctx, step.scale);
    ctx.state.stepsDone += 1;
  }
}

/** Scales the Deployment and waits for the rollout. */
export async function scale(ctx: EnvContext, replicas: number): Promise<{ readyReplicas: number }> {
  ctx.currentStep = `scale ${replicas}`;
  const summary = summaries.scale(ctx.spec, replicas);
  showStep(summary);
  const r = await call(ctx.acts.long, 'scaleDeployment', summary, { ...deploymentRef(ctx.spec, ctx.env), replicas });
  ctx.state.replicas = replicas;
  return r;
}

/** Resizes a node pool and waits for GKE's operation. */
export async function resize(ctx: EnvContext, pool: string, nodeCount: number): Promise<void> {
  ctx.currentStep = `resize ${pool} ${nodeCount}`;
  const summary = summaries.resize(pool, nodeCount);
  showStep(summary);
  await call(ctx.acts.long, 'resizeNodePool', summary, { env: ctx.env, pool, nodeCount });
  ctx.state.poolSizes[pool] = nodeCount;
}

/** The compensations of what exists (or may exist), in teardown order: Service → Deployment → cluster → image tag. */
export function cleanupTargets(ctx: EnvContext): CleanupTarget[] {
  const { spec, env, state, acts } = ctx;
  const live = (k: ResourceKind) => state.resources[k] !== 'absent' && state.resources[k] !== 'deleted';
  const targets: CleanupTarget[] = [];
  if (live('service')) targets.push({ kind: 'service', name: spec.service.name, run: () => call(acts.cleanupLong, 'deleteService', summaries.deleteService(spec), serviceRef(spec, env)) });
  if (live('deployment')) targets.push({ kind: 'deployment', name: spec.deployment.name, run: () => call(acts.cleanupShort, 'deleteDeployment', summaries.deleteDeployment(spec), deploymentRef(spec, env)) });
  if (live('cluster')) targets.push({ kind: 'cluster', name: spec.cluster.name, run: () => call(acts.cleanupLong, 'deleteCluster', summaries.deleteCluster(spec.cluster.name), { env }) });
  const image = spec.image;
  if (image && ctx.tuning.deleteImageOnTeardown && live('image')) {
    targets.push({ kind: 'image', name: `${image.repository}:${image.tag}`, run: () => call(acts.cleanupShort, 'deleteImageTag', summaries.deleteImage(spec), { env, repository: image.repository, tag: image.tag }) });
  }
  return targets;
}
