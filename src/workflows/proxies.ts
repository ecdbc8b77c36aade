/**
 * Activity proxies built from the run's tuning, so tests can use short timeouts. Long waits get
 * heartbeat timeouts (a dead worker is noticed in a minute, not after the whole wait); permanent
 * failure types never retry; cleanup calls retry longer than provisioning ones.
 */
import { ActivityCancellationType, proxyActivities, type ActivityInterfaceFor, type ActivityOptions, type RetryPolicy } from '@temporalio/workflow';
import { PERMANENT_ERROR_TYPES, type GkeflowActivities } from '../activities/types';
import type { ProvisionTuning } from './input';

/** Failure types that must not be retried: the contract's permanent ones. */
export const NON_RETRYABLE_TYPES: string[] = [...PERMANENT_ERROR_TYPES];

type Acts = ActivityInterfaceFor<GkeflowActivities>;

/** The four proxies a workflow uses: quick vs long calls, provisioning vs cleanup retries. */
export interface ActivityProxies {
  short: Acts;
  long: Acts;
  cleanupShort: Acts;
  cleanupLong: Acts;
}

/** Builds the proxies for a run from its tuning. */
export function activityProxies(t: ProvisionTuning = {}): ActivityProxies {
  const retry = (maximumAttempts: number): RetryPolicy => ({
    initialInterval: t.retryInitialInterval ?? '2s',
    backoffCoefficient: 2,
    maximumInterval: typeof t.retryInitialInterval === 'number' ? t.retryInitialInterval * 10 : '20s',
    maximumAttempts,
    nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
  });
  const shortOpts: ActivityOptions = { startToCloseTimeout: t.shortTimeout ?? '2m' };
  const longOpts: ActivityOptions = { startToCloseTimeout: t.longTimeout ?? '30m', heartbeatTimeout: t.heartbeatTimeout ?? '1m' };
  const attempts = t.maximumAttempts ?? 8;
  const cleanupAttempts = t.cleanupMaximumAttempts ?? 10;
  return {
    // On cancel, wait for a create to stop before compensating, so a delete never races its create.
    short: proxyActivities<GkeflowActivities>({ ...shortOpts, retry: retry(attempts), cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED }),
    long: proxyActivities<GkeflowActivities>({ ...longOpts, retry: retry(attempts), cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED }),
    cleanupShort: proxyActivities<GkeflowActivities>({ ...shortOpts, retry: retry(cleanupAttempts) }),
    cleanupLong: proxyActivities<GkeflowActivities>({ ...longOpts, retry: retry(cleanupAttempts) }),
  };
}

/** Calls an activity with a one-line summary, so the Web UI reads like the walkthrough. */
export function call<K extends keyof GkeflowActivities>(
  proxy: Acts,
  name: K,
  summary: string,
  input: Parameters<GkeflowActivities[K]>[0],
): Promise<Awaited<ReturnType<GkeflowActivities[K]>>> {
  const fn = proxy[name] as unknown as { executeWithOptions(o: ActivityOptions, args: unknown[]): Promise<Awaited<ReturnType<GkeflowActivities[K]>>> };
  return fn.executeWithOptions({ summary }, [input]);
}
