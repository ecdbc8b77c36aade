/**
 * The entity workflow of one environment (id `gkeflow/<project>/<location>/<cluster>`):
 * validates its input once, provisions (saga: compensations registered before each create), then
 * stays alive serving `scale`/`resize`/`extend`/`teardown` updates and the `status` query, and
 * checking its resources for drift, until its TTL, a teardown, a cancel or the loss of its
 * cluster; continues-as-new (carrying the normalised spec) when its history grows.
 *
 * Versioning: behaviour added after the first recorded histories is gated by `patched()` with
 * the ids in PATCHES (versioning.ts), so runs started by older workers replay unchanged
 * (docs/upgrading.md).
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { failure } from '../contract/temporal-failures';
import { SEARCH_ATTRIBUTES as SA } from '../contract/labels';
import { envRefOf } from '../contract/provision-input';
import { parseDuration } from '../envspec/names';
import { runCleanup } from './cleanup';
import {
  extendUpdate,
  resizeUpdate,
  scaleUpdate,
  statusQuery,
  teardownUpdate,
  type TeardownResult,
} from '../contract/messages';
import { checkHealthOnce, healthCheckEveryMs } from './health-check';
import { describeError, invalidSpecFailure } from './errors';
import type { ProvisionInput } from '../contract/workflow-input';
import { outcomeOf, type Outcome } from './outcome';
import { cleanupTargets, extendTtl, provision, resize, scale, type EnvContext } from './provision';
import { activityProxies } from './proxies';
import { resourceLabels } from './requests';
import { FifoLock, type Release } from './serial';
import { initialState, publishIdentity, setPhase, showStep, statusOf } from './state';
import { validateExtend, validateResize, validateScale } from './validators';
import { PATCHES, specOf } from './versioning';

/** Provisions an environment and keeps it until teardown, TTL or cancel. Returns what teardown removed. */
export async function environmentWorkflow(input: ProvisionInput): Promise<TeardownResult> {
  const { spec, stale } = specOf(input);
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
  // The expiry is fixed at first start (moved only by `extend`) and carried across continue-as-new.
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
  /** Set once cleanup begins: queued changes are refused from then on. */
  let closing = false;
  /** The pre-FIFO gate, kept for runs that replay from before PATCHES.serialUpdates. */
  let legacyBusy = false;
  const lock = new FifoLock();
  const busy = () => legacyBusy || lock.busy;
  const provisioning = new CancellationScope();

  /** The phase of a running environment: `degraded` while the last drift check found something. */
  const settledPhase = () => (state.drift !== undefined ? 'degraded' : 'running');
  const showRunning = () =>
    showStep(
      state.drift !== undefined ? `Degraded: ${state.drift}` : `Running at ${state.endpoint ?? '(no endpoint)'}`,
    );

  /** Takes the cluster-change gate: FIFO for new runs, the old all-at-once wait for old ones. */
  const enter = async (): Promise<Release | undefined> => {
    if (patched(PATCHES.serialUpdates)) {
      const release = await lock.acquire(() => !legacyBusy);
      if (teardownReason !== undefined || closing) {
        release();
        return undefined;
      }
      return release;
    }
    await condition(() => !busy());
    if (teardownReason !== undefined) return undefined;
    legacyBusy = true;
    return () => (legacyBusy = false);
  };

  /** One cluster change at a time, in arrival order: GKE rejects concurrent operations anyway. */
  const exclusive = async <T>(kind: 'scaling' | 'resizing' | 'extending', fn: () => Promise<T>): Promise<T> => {
    const release = await enter();
    if (!release) throw failure('EnvironmentClosingError', 'the environment is being torn down');
    if (kind !== 'extending') setPhase(state, kind);
    try {
      return await fn();
    } catch (err) {
      if (kind !== 'extending') state.lastError = describeError(err);
      const type = {
        scaling: 'ScaleFailedError',
        resizing: 'ResizeFailedError',
        extending: 'ExtendFailedError',
      } as const;
      throw failure(type[kind], `${ctx.currentStep} failed: ${describeError(err)}`, { cause: err as Error });
    } finally {
      release();
      // A teardown that began meanwhile owns the phase now (older runs reset it, as they did).
      if (!(closing && patched(PATCHES.serialUpdates))) {
        setPhase(state, settledPhase());
        showRunning();
      }
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
    extendUpdate,
    ({ ttl }) =>
      exclusive('extending', async () => {
        await extendTtl(ctx, Date.now() + (parseDuration(ttl) ?? 0));
        upsertSearchAttributes([{ key: SA.expiresAt, value: new Date(state.expiresAtMs) }]);
        return { expiresAt: new Date(state.expiresAtMs).toISOString() };
      }),
    { validator: (req) => validateExtend(state, teardownReason, req) },
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
        if (state.phase === 'torn-down' || state.phase === 'failed' || state.phase === 'lost')
          throw new Error(`the environment is already ${state.phase}`);
      },
    },
  );

  /** Runs the compensations after the run stopped, and works out how it ends. */
  const cleanUp = async (reason: string, cause?: unknown): Promise<Outcome> => {
    closing = true;
    setPhase(state, 'tearing-down');
    showStep(`Tearing down (${reason})`);
    const step = cause !== undefined ? ctx.currentStep : 'teardown';
    // Wait for an in-flight change: deleting under it only makes it fail noisily. Queued ones are refused.
    await CancellationScope.nonCancellable(() => condition(() => !busy()));
    const r = await runCleanup(cleanupTargets(ctx), (kind, s) => (state.resources[kind] = s));
    // Read after cleanup: a teardown requested meanwhile turns a cancel into a requested teardown.
    return outcomeOf(env.id, { reason, cause, step }, teardownReason !== undefined, r);
  };

  /** Ends the run as `o` says: returns the result, or throws the cancel or the failure. */
  const finish = async (o: Outcome, failedPhase: 'failed' | 'lost' = 'failed'): Promise<TeardownResult> => {
    ended = o.result;
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
  };

  /** The cluster is gone: what lived in it went with it; delete what may remain, end as `lost`. */
  const giveUpLost = async (cause: string): Promise<TeardownResult> => {
    // GKE does not release the load balancer of a deleted cluster's Service, and with the cluster
    // gone nobody can delete the Service to release it: report it as left over, never as cleaned.
    const lbLeft = state.resources.service !== 'absent' && state.resources.service !== 'deleted';
    for (const k of ['service', 'deployment'] as const)
      if (state.resources[k] !== 'absent') state.resources[k] = 'deleted';
    ctx.currentStep = 'checkHealth';
    const o = await cleanUp(`lost: ${cause}`, failure('EnvironmentLostError', cause));
    if (o.end !== 'failed') return finish(o);
    const leftovers = lbLeft
      ? [
          ...o.result.leftovers,
          {
            kind: 'service' as const,
            name: spec.service.name,
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
    return finish({ ...o, result, failure: lost }, 'lost');
  };

  if (stale) {
    ctx.currentStep = 'revalidate carried spec';
    return finish(
      await cleanUp('the carried spec no longer validates after a worker upgrade', invalidSpecFailure(stale)),
    );
  }

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

  /** One drift check, in turn with cluster changes: running, degraded, or the cause of a loss. */
  const checkDrift = async (): Promise<{ lost: string } | undefined> => {
    const release = await lock.acquire(() => !legacyBusy);
    try {
      if (teardownReason !== undefined) return undefined;
      const verdict = await checkHealthOnce(ctx);
      if (verdict?.kind === 'lost') return { lost: verdict.cause };
      setPhase(state, settledPhase());
      showRunning();
      return undefined;
    } finally {
      release();
    }
  };

  // A floor, so a tiny limit cannot make every new run continue-as-new again at once.
  const historyLimit = Math.max(tuning.historyEventLimit ?? 2000, 30);
  const shouldContinue = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= historyLimit;
  const checkEveryMs = healthCheckEveryMs(spec, tuning);
  const drift = spec.healthCheck?.enabled !== false && patched(PATCHES.driftCheck);
  let nextCheckAt = Date.now() + checkEveryMs;
  try {
    for (;;) {
      // Workflow time (Date.now is deterministic inside the workflow sandbox).
      const expiresAt = state.expiresAtMs;
      const remaining = expiresAt - Date.now();
      const untilCheck = drift ? Math.max(1, nextCheckAt - Date.now()) : Infinity;
      const ttlFirst = remaining <= untilCheck;
      const woke =
        remaining > 0 &&
        (await condition(
          () => teardownReason !== undefined || shouldContinue() || state.expiresAtMs !== expiresAt,
          ttlFirst ? remaining : untilCheck,
        ));
      if (!woke && ttlFirst) teardownReason ??= 'ttl expired';
      if (teardownReason !== undefined) return await finish(await cleanUp(teardownReason));
      if (!woke) {
        nextCheckAt = Date.now() + checkEveryMs;
        const r = await checkDrift();
        if (r) return await giveUpLost(r.lost);
        continue;
      }
      // Woken by an extension: wait again with the new expiry.
      if (!shouldContinue()) continue;
      await condition(() => (!busy() && allHandlersFinished()) || teardownReason !== undefined);
      if (teardownReason !== undefined) continue;
      state.generation += 1;
      return await continueAsNew<typeof environmentWorkflow>({
        spec: patched(PATCHES.carryNormalisedSpec) ? spec : input.spec,
        ...(input.tuning ? { tuning: input.tuning } : {}),
        carried: state,
      });
    }
  } catch (err) {
    if (isCancellation(err)) return finish(await cleanUp('cancelled', err));
    throw err;
  }
}
