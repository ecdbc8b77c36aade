/**
 * The entity workflow of one environment (id `gkeflow/<project>/<location>/<cluster>`):
 * validates its input, provisions (saga: compensations registered before each create), then
 * stays alive serving `scale`/`resize`/`teardown` updates and the `status` query until its
 * TTL, a teardown or a cancel; continues-as-new when its history grows.
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { failure } from '../contract/failures';
import { envRefOf } from '../spec/provision-input';
import { parseDuration } from '../spec/names';
import { checkSpec } from '../spec/validate';
import { runCleanup } from './cleanup';
import { resizeUpdate, scaleUpdate, statusQuery, teardownUpdate, type TeardownResult } from './definitions';
import { describeError, invalidSpecFailure } from './errors';
import type { ProvisionInput } from './input';
import { outcomeOf, type Outcome } from './outcome';
import { cleanupTargets, provision, resize, scale, type EnvContext } from './provision';
import { activityProxies } from './proxies';
import { resourceLabels } from './requests';
import { initialState, publishIdentity, setPhase, showStep, statusOf } from './state';
import { validateResize, validateScale } from './validators';

/** Provisions an environment and keeps it until teardown, TTL or cancel. Returns what teardown removed. */
export async function environmentWorkflow(input: ProvisionInput): Promise<TeardownResult> {
  const checked = checkSpec(input.spec);
  if (!checked.ok) throw invalidSpecFailure(checked.issues);
  const spec = checked.spec;
  const env = envRefOf(spec);
  if (workflowInfo().workflowId !== env.id) {
    throw invalidSpecFailure([
      {
        path: '(workflow id)',
        message: `must be ${env.id} (one workflow per environment), got ${workflowInfo().workflowId}`,
      },
    ]);
  }
  const tuning = input.tuning ?? {};
  // The expiry is fixed at first start and carried across continue-as-new.
  const state =
    input.carried ?? initialState(spec, workflowInfo().startTime.getTime() + (parseDuration(spec.ttl) ?? 0));
  publishIdentity(spec, state);
  const ctx: EnvContext = {
    spec,
    env,
    state,
    acts: activityProxies(tuning),
    tuning,
    labels: resourceLabels(spec, state.expiresAtMs),
    currentStep: '',
  };

  let teardownReason: string | undefined;
  /** Set when the run is ending; a waiting teardown update answers with it (leftovers included). */
  let ended: TeardownResult | undefined;
  let busy = false;
  const provisioning = new CancellationScope();

  /** One cluster change at a time: GKE rejects concurrent operations anyway. */
  const exclusive = async <T>(phase: 'scaling' | 'resizing', fn: () => Promise<T>): Promise<T> => {
    await condition(() => !busy);
    if (teardownReason !== undefined) throw failure('EnvironmentClosingError', 'the environment is being torn down');
    busy = true;
    setPhase(state, phase);
    try {
      return await fn();
    } catch (err) {
      state.lastError = describeError(err);
      throw failure(
        phase === 'scaling' ? 'ScaleFailedError' : 'ResizeFailedError',
        `${ctx.currentStep} failed: ${describeError(err)}`,
        { cause: err as Error },
      );
    } finally {
      busy = false;
      setPhase(state, 'running');
      showStep(`Running at ${state.endpoint ?? '(no endpoint)'}`);
    }
  };

  setHandler(statusQuery, () => statusOf(spec, state));
  setHandler(scaleUpdate, ({ replicas }) => exclusive('scaling', () => scale(ctx, replicas)), {
    validator: (req) => validateScale(state, teardownReason, req),
  });
  setHandler(
    resizeUpdate,
    ({ pool, nodeCount }) =>
      exclusive('resizing', async () => {
        await resize(ctx, pool, nodeCount);
        return { pool, nodeCount };
      }),
    { validator: (req) => validateResize(spec, state, teardownReason, req) },
  );
  setHandler(
    teardownUpdate,
    async (req) => {
      teardownReason ??= req?.reason ?? 'teardown requested';
      // A teardown during provisioning stops the step in flight; the saga then cleans up.
      if (state.phase === 'provisioning' || state.phase === 'validating') provisioning.cancel();
      await condition(() => ended !== undefined);
      // Leftovers are in the result; the run itself still fails with CleanupIncompleteError.
      return ended as TeardownResult;
    },
    {
      validator: (_req) => {
        if (state.phase === 'torn-down' || state.phase === 'failed')
          throw new Error(`the environment is already ${state.phase}`);
      },
    },
  );

  /** Runs the compensations after the run stopped, and works out how it ends. */
  const cleanUp = async (reason: string, cause?: unknown): Promise<Outcome> => {
    setPhase(state, 'tearing-down');
    showStep(`Tearing down (${reason})`);
    const step = cause !== undefined ? ctx.currentStep : 'teardown';
    // Wait for an in-flight scale/resize: deleting under it only makes it fail noisily.
    await CancellationScope.nonCancellable(() => condition(() => !busy));
    const r = await runCleanup(cleanupTargets(ctx), (kind, s) => (state.resources[kind] = s));
    // Read after cleanup: a teardown requested meanwhile turns a cancel into a requested teardown.
    return outcomeOf(env.id, { reason, cause, step }, teardownReason !== undefined, r);
  };

  /** Ends the run as `o` says: returns the result, or throws the cancel or the failure. */
  const finish = async (o: Outcome): Promise<TeardownResult> => {
    ended = o.result;
    if (o.end === 'failed') {
      setPhase(state, 'failed');
      if (o.cause !== undefined) state.lastError = describeError(o.cause);
    } else {
      setPhase(state, 'torn-down');
      showStep(`Torn down (${o.result.reason})`);
    }
    await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
    if (o.end === 'completed') return o.result;
    throw o.end === 'cancelled' ? o.cancel : o.failure;
  };

  if (!input.carried) {
    setPhase(state, 'provisioning');
    try {
      await provisioning.run(() => provision(ctx));
    } catch (err) {
      return finish(
        await cleanUp(isCancellation(err) ? (teardownReason ?? 'cancelled') : `${ctx.currentStep} failed`, err),
      );
    }
    setPhase(state, 'running');
    showStep(`Running at ${state.endpoint ?? '(no endpoint)'}`);
  }

  // A floor, so a tiny limit cannot make every new run continue-as-new again at once.
  const historyLimit = Math.max(tuning.historyEventLimit ?? 2000, 30);
  const shouldContinue = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= historyLimit;
  try {
    for (;;) {
      // Workflow time (Date.now is deterministic inside the workflow sandbox).
      const remaining = state.expiresAtMs - Date.now();
      const woke =
        remaining > 0 && (await condition(() => teardownReason !== undefined || shouldContinue(), remaining));
      if (!woke) teardownReason ??= 'ttl expired';
      if (teardownReason !== undefined) return await finish(await cleanUp(teardownReason));
      await condition(() => (!busy && allHandlersFinished()) || teardownReason !== undefined);
      if (teardownReason !== undefined) continue;
      state.generation += 1;
      return await continueAsNew<typeof environmentWorkflow>({
        spec: input.spec,
        ...(input.tuning ? { tuning: input.tuning } : {}),
        carried: state,
      });
    }
  } catch (err) {
    if (isCancellation(err)) return finish(await cleanUp('cancelled', err));
    throw err;
  }
}
