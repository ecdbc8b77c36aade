/**
 * Activity proxies built from the run's tuning, so tests can use short timeouts. Long waits get
 * heartbeat timeouts (a dead worker is noticed in a minute, not after the whole wait); permanent
 * failure types never retry; cleanup calls retry longer than provisioning ones. Every step is an
 * activity, none a local activity: docs/architecture.md gives the figures and the reasons.
 */
import {
  ActivityCancellationType,
  proxyActivities,
  type ActivityInterfaceFor,
  type ActivityOptions,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { GkeflowActivities } from '../contract/activities';
import { NON_RETRYABLE_TYPES } from '../contract/failures';
import { STEPS, type StepInput, type StepName, type StepResult, type TimeoutClass } from '../contract/steps';
import type { ProvisionTuning } from '../contract/workflow-input';

type Acts = ActivityInterfaceFor<GkeflowActivities>;

/** The four proxies a workflow uses, one per timeout class: quick vs long calls, provisioning vs cleanup retries. */
export type ActivityProxies = Record<TimeoutClass, Acts>;

/** Builds the proxies for a run from its tuning. */
export function activityProxies(t: ProvisionTuning = {}): ActivityProxies {
  const retry = (maximumAttempts: number): RetryPolicy => ({
    initialInterval: t.retryInitialInterval ?? '2s',
    backoffCoefficient: 2,
    maximumInterval: typeof t.retryInitialInterval === 'number' ? t.retryInitialInterval * 10 : '20s',
    maximumAttempts,
    nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES],
  });
  const shortOpts: ActivityOptions = { startToCloseTimeout: t.shortTimeout ?? '2m' };
  const longOpts: ActivityOptions = {
    startToCloseTimeout: t.longTimeout ?? '30m',
    heartbeatTimeout: t.heartbeatTimeout ?? '1m',
  };
  const attempts = t.maximumAttempts ?? 8;
  const cleanupAttempts = t.cleanupMaximumAttempts ?? 10;
  return {
    // On cancel, wait for a create to stop before compensating, so a delete never races its create.
    short: proxyActivities<GkeflowActivities>({
      ...shortOpts,
      retry: retry(attempts),
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    }),
    long: proxyActivities<GkeflowActivities>({
      ...longOpts,
      retry: retry(attempts),
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    }),
    'cleanup-short': proxyActivities<GkeflowActivities>({ ...shortOpts, retry: retry(cleanupAttempts) }),
    'cleanup-long': proxyActivities<GkeflowActivities>({ ...longOpts, retry: retry(cleanupAttempts) }),
  };
}

/**
 * Runs step `name` with the proxy of its timeout class and `summary` as its Web UI summary, so
 * the Web UI reads like the walkthrough.
 */
export function callStep<K extends StepName>(
  acts: ActivityProxies,
  name: K,
  input: StepInput<K>,
  summary: string,
): Promise<StepResult<K>> {
  const fn = acts[STEPS[name].timeout][name] as unknown as {
    executeWithOptions(o: ActivityOptions, args: unknown[]): Promise<StepResult<K>>;
  };
  return fn.executeWithOptions({ summary }, [input]);
}
