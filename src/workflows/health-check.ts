/**
 * One drift check of a running environment: the checkHealth activity, judged by drift.ts, and
 * recorded in the state the status query shows (`drift`, `checkedAt`, `missingChecks`).
 */
import { msToNumber } from '@temporalio/common/lib/time';
import { stepSummary } from '../contract/steps';
import { parseDuration } from '../envspec/names';
import { endpointOf, type EnvironmentSpec } from '../contract/environment-spec';
import { assessHealth, type DriftVerdict } from './drift';
import { describeError } from './errors';
import type { ProvisionTuning } from '../contract/workflow-input';
import type { EnvContext } from './provision';
import { callStep } from './proxies';

/** Drift check interval when neither tuning nor spec says otherwise. */
const DEFAULT_INTERVAL_MS = 5 * 60_000;

/** How often a run checks for drift: the tuning's interval, else the spec's, else 5 minutes. */
export function healthCheckEveryMs(spec: EnvironmentSpec, tuning: ProvisionTuning): number {
  const ms =
    tuning.healthCheckInterval !== undefined
      ? msToNumber(tuning.healthCheckInterval)
      : (parseDuration(spec.healthCheck?.interval ?? '') ?? DEFAULT_INTERVAL_MS);
  return Math.max(ms, 100);
}

/**
 * Checks once and records the finding in the state. Returns the verdict, or undefined when the
 * GKE API did not answer (that says nothing about the resources; the next check tries again).
 */
export async function checkHealthOnce(ctx: EnvContext): Promise<DriftVerdict | undefined> {
  const { spec, env, state } = ctx;
  const input = {
    env,
    ...endpointOf(spec),
    ...(spec.deployment ? { deployment: spec.deployment.name } : {}),
  };
  let report;
  try {
    report = await callStep(ctx.acts, 'checkHealth', input, stepSummary('checkHealth', input));
  } catch (err) {
    state.lastError = `drift check: ${describeError(err)}`;
    return undefined;
  }
  state.checkedAt = new Date(Date.now()).toISOString();
  const { verdict, missingChecks } = assessHealth(spec, state, report, state.missingChecks ?? 0);
  state.missingChecks = missingChecks;
  if (verdict.kind === 'degraded') state.drift = verdict.cause;
  else if (verdict.kind === 'healthy') delete state.drift;
  return verdict;
}
