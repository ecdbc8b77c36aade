/**
 * Update validators: they run before an update is accepted (and before it enters history), so
 * a bad request is rejected without touching anything.
 */
import { MAX_POOL_NODES } from '../gke/rules';
import { MAX_REPLICAS, ttlProblem } from '../envspec/schema';
import type { EnvironmentSpec } from '../contract/environment-spec';
import type { ApplySpecRequest, ExtendRequest, ResizeRequest, ScaleRequest } from '../contract/messages';
import { checkSpec } from '../envspec/validate';
import { fixedFieldProblems } from '../envspec/spec-diff';
import { CHANGEABLE_PHASES, type CarriedState } from '../contract/workflow-input';

function assertChangeable(state: CarriedState, teardownReason: string | undefined): void {
  if (teardownReason !== undefined) throw new Error(`the environment is being torn down (${teardownReason})`);
  if (state.phase === 'validating' || state.phase === 'provisioning')
    throw new Error('the environment is still provisioning; try again when it is running');
  if (!CHANGEABLE_PHASES.includes(state.phase)) throw new Error(`the environment is ${state.phase}`);
}

/** Rejects a scale request with bad replicas or at the wrong time. */
export function validateScale(
  state: CarriedState,
  teardownReason: string | undefined,
  req: ScaleRequest | undefined,
): void {
  const replicas = req?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0 || replicas > MAX_REPLICAS) {
    throw new Error(`replicas: must be a whole number 0..${MAX_REPLICAS} (got ${JSON.stringify(replicas)})`);
  }
  assertChangeable(state, teardownReason);
}

/** Rejects a resize of an unknown pool, a count out of bounds, or at the wrong time. */
export function validateResize(
  spec: EnvironmentSpec,
  state: CarriedState,
  teardownReason: string | undefined,
  req: ResizeRequest | undefined,
): void {
  if (spec.cluster.existing !== undefined)
    throw new Error(
      `cluster ${spec.cluster.existing} is not this environment's (it is namespace ${spec.cluster.namespace} on it): gkeflow never resizes it`,
    );
  if (spec.cluster.mode === 'autopilot') throw new Error('autopilot clusters have no node pools to resize');
  const pool = spec.cluster.nodePools.find((p) => p.name === req?.pool);
  if (!pool)
    throw new Error(
      `pool: no node pool named ${JSON.stringify(req?.pool)} (known: ${spec.cluster.nodePools.map((p) => p.name).join(', ')})`,
    );
  const n = req?.nodeCount;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_POOL_NODES)
    throw new Error(`nodeCount: must be a whole number 0..${MAX_POOL_NODES} (got ${JSON.stringify(n)})`);
  if (pool.autoscaling && (n < pool.autoscaling.min || n > pool.autoscaling.max)) {
    throw new Error(
      `nodeCount: must be within ${pool.name}'s autoscaling bounds ${pool.autoscaling.min}..${pool.autoscaling.max}`,
    );
  }
  assertChangeable(state, teardownReason);
}

/** Rejects an extension whose TTL is not a duration within the spec's bounds, or at the wrong time. */
export function validateExtend(
  state: CarriedState,
  teardownReason: string | undefined,
  req: ExtendRequest | undefined,
): void {
  const ttl = req?.ttl;
  const problem = typeof ttl === 'string' ? ttlProblem(ttl) : 'is required';
  if (problem) throw new Error(`ttl: ${problem}`);
  assertChangeable(state, teardownReason);
}

/** Rejects an `apply` whose spec is invalid, is not an app's, or changes what an update cannot. */
export function validateApplySpec(
  running: EnvironmentSpec,
  state: CarriedState,
  teardownReason: string | undefined,
  req: ApplySpecRequest | undefined,
): void {
  const checked = checkSpec(req?.spec);
  if (!checked.ok) throw new Error(checked.issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  if (!running.app || !checked.spec.app?.bundle)
    throw new Error('app: only an app environment (spec app: with its bundle) is updated in place');
  const fixed = fixedFieldProblems(running, checked.spec);
  if (fixed.length) throw new Error(fixed.map((i) => `${i.path}: ${i.message}`).join('; '));
  assertChangeable(state, teardownReason);
}
