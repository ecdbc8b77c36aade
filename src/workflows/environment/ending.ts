/**
 * How an environment run ends: its compensations run once it stopped, the outcome is worked out
 * (torn down, cancelled, failed or lost), a waiting teardown update gets the result, and the run
 * returns it or throws the cancel or the failure.
 */
import { allHandlersFinished, CancellationScope, condition, patched } from '@temporalio/workflow';
import { failure } from '../../contract/temporal-failures';
import { endpointOf } from '../../contract/environment-spec';
import { missingClusterLeak, runCleanup, type CleanupTarget } from '../cleanup';
import { PATCHES } from '../versioning';
import type { TeardownResult } from '../../contract/messages';
import { describeError, invalidSpecFailure } from '../errors';
import { outcomeOf, type Outcome } from '../outcome';
import { cleanupTargets } from '../provision';
import { setPhase, showStep } from '../state';
import { busy, type EnvRun } from './run';
import { unwatchMe } from './watch';

/** Runs the compensations after the run stopped, and works out how it ends. */
export async function cleanUp(run: EnvRun, reason: string, cause?: unknown): Promise<Outcome> {
  const { ctx } = run;
  const { state } = ctx;
  run.closing = true;
  setPhase(state, 'tearing-down');
  // Off the fleet sweep's list first: nothing it could see from now on is drift.
  await CancellationScope.nonCancellable(() => unwatchMe(run));
  showStep(`Tearing down (${reason})`);
  const step = cause !== undefined ? ctx.currentStep : 'teardown';
  // Wait for an in-flight change: deleting under it only makes it fail noisily. Queued ones are refused.
  await CancellationScope.nonCancellable(() => condition(() => !busy(run)));
  const r = await runCleanup(cleanupTargets(ctx), (kind, s) => (state.resources[kind] = s), leakOnMissingCluster);
  // Read after cleanup: a teardown requested meanwhile turns a cancel into a requested teardown.
  return outcomeOf(ctx.env.id, { reason, cause, step }, run.teardownReason !== undefined, r);
}

/**
 * The app's or the Service's delete found its cluster already gone (deleted outside gkeflow
 * before the drift check saw it): its load balancers may still be billed, so it is a possible
 * leak in the result, not cleaned.
 */
function leakOnMissingCluster(t: CleanupTarget, answer: unknown) {
  const leak = missingClusterLeak(t, answer);
  return leak && patched(PATCHES.appMissingClusterLeak) ? leak : undefined;
}

/** Ends the run as `o` says: returns the result, or throws the cancel or the failure. */
export async function finish(
  run: EnvRun,
  o: Outcome,
  failedPhase: 'failed' | 'lost' = 'failed',
): Promise<TeardownResult> {
  const { state } = run.ctx;
  run.ended = o.result;
  if (o.end === 'failed') {
    setPhase(state, failedPhase);
    if (o.cause !== undefined) state.lastError = describeError(o.cause);
  } else {
    setPhase(state, 'torn-down');
    showStep(`Torn down (${o.result.reason})`);
  }
  await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  if (o.end === 'completed') return o.result;
  throw o.end === 'cancelled' ? o.cancel : o.failure;
}

/** A continued run whose carried spec a newer worker refuses: clean up what it made, fail. */
export async function endStale(run: EnvRun, stale: NonNullable<EnvRun['stale']>): Promise<TeardownResult> {
  run.ctx.currentStep = 'revalidate carried spec';
  return finish(
    run,
    await cleanUp(run, 'the carried spec no longer validates after a worker upgrade', invalidSpecFailure(stale)),
  );
}

/** The cluster is gone: what lived in it went with it; delete what may remain, end as `lost`. */
export async function giveUpLost(run: EnvRun, cause: string): Promise<TeardownResult> {
  const { ctx } = run;
  const { spec, state } = ctx;
  // GKE does not release the load balancer of a deleted cluster's Service, and with the cluster
  // gone nobody can delete the Service to release it: report it as left over, never as cleaned.
  const lbLeft = state.resources.service !== 'absent' && state.resources.service !== 'deleted';
  for (const k of ['service', 'deployment'] as const)
    if (state.resources[k] !== 'absent') state.resources[k] = 'deleted';
  ctx.currentStep = 'checkHealth';
  const o = await cleanUp(run, `lost: ${cause}`, failure('EnvironmentLostError', cause));
  if (o.end !== 'failed') return finish(run, o);
  const leftovers = lbLeft
    ? [
        ...o.result.leftovers,
        {
          kind: 'service' as const,
          name: endpointOf(spec).service,
          error:
            'its cluster was deleted outside gkeflow; the load balancer it held may remain (GKE does not release it)',
        },
      ]
    : o.result.leftovers;
  if (lbLeft) state.resources.service = 'cleanup-failed';
  const result = { ...o.result, leftovers };
  const lost = failure(
    'EnvironmentLostError',
    `${cause}; cleaned up: ${result.cleaned.join(', ') || 'nothing left to clean'}` +
      (leftovers.length ? `; left: ${leftovers.map((l) => `${l.kind} ${l.name} (${l.error})`).join(', ')}` : ''),
    { details: [result] },
  );
  return finish(run, { ...o, result, failure: lost }, 'lost');
}
