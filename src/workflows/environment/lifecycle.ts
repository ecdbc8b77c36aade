/**
 * The life of an environment after its handlers are set: provisioning (first start only), then
 * waiting for its TTL, a teardown or the next drift check — its own timer, or (PATCHES.fleetSweep)
 * a signal from its fleet health sweep, which it confirms with its own check — and continuing as
 * new (carrying its state and the normalised spec) when its history grows.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import type { TeardownResult } from '../../contract/messages';
import { checkHealthOnce, healthCheckEveryMs } from '../health-check';
import type { ProvisionInput } from '../../contract/workflow-input';
import { provision } from '../provision';
import { setPhase, showStep } from '../state';
import { PATCHES } from '../versioning';
import { cleanUp, finish, giveUpLost } from './ending';
import { busy, settledPhase, showRunning, type EnvRun } from './run';
import { watchMe } from './watch';
import { MISSING, ownVerdict } from '../fleet-sweep';

/** A watched run that found its cluster missing once looks again this soon (at most), not after a whole interval. */
const CONFIRM_MISSING_MS = 60_000;

/** Provisions a first run (saga). Returns the run's result when provisioning failed and it ended. */
export async function provisionOnce(run: EnvRun): Promise<TeardownResult | undefined> {
  const { ctx } = run;
  setPhase(ctx.state, 'provisioning');
  try {
    await run.provisioning.run(() => provision(ctx));
  } catch (err) {
    return finish(
      run,
      await cleanUp(run, isCancellation(err) ? (run.teardownReason ?? 'cancelled') : `${ctx.currentStep} failed`, err),
    );
  }
  setPhase(ctx.state, 'running');
  showStep(`Running at ${ctx.state.endpoint ?? '(no endpoint)'}`);
  return undefined;
}

/** One drift check, in turn with cluster changes: running, degraded, or the cause of a loss. */
async function checkDrift(run: EnvRun): Promise<{ lost: string } | undefined> {
  const release = await run.lock.acquire(() => !run.legacyBusy);
  try {
    if (run.teardownReason !== undefined) return undefined;
    const verdict = await checkHealthOnce(run.ctx);
    if (verdict?.kind === 'lost') return { lost: verdict.cause };
    setPhase(run.ctx.state, settledPhase(run));
    showRunning(run);
    return undefined;
  } finally {
    release();
  }
}

/** Keeps a provisioned environment until its TTL, a teardown, a cancel or the loss of its cluster. */
export async function keepAlive(run: EnvRun): Promise<TeardownResult> {
  const { ctx, input } = run;
  const { spec, state, tuning } = ctx;
  // A floor, so a tiny limit cannot make every new run continue-as-new again at once.
  const historyLimit = Math.max(tuning.historyEventLimit ?? 2000, 30);
  const shouldContinue = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= historyLimit;
  const checkEveryMs = healthCheckEveryMs(spec, tuning);
  const drift = spec.healthCheck?.enabled !== false && patched(PATCHES.driftCheck);
  // Read before patched(): a run started with the switch off never records the marker.
  const sweepWanted = tuning.fleetSweep !== false;
  const swept = drift && sweepWanted && patched(PATCHES.fleetSweep);
  if (swept) await watchMe(run);
  // Watched by the sweep: no timer of its own, except to confirm a missing cluster while in doubt.
  const confirmEveryMs = swept ? Math.min(checkEveryMs, CONFIRM_MISSING_MS) : checkEveryMs;
  const selfTimed = () => !swept || state.watchedBy === undefined || (state.missingChecks ?? 0) > 0;
  let nextCheckAt = Date.now() + checkEveryMs;
  try {
    for (;;) {
      // Workflow time (Date.now is deterministic inside the workflow sandbox).
      const expiresAt = state.expiresAtMs;
      const remaining = expiresAt - Date.now();
      const untilCheck = drift && selfTimed() ? Math.max(1, nextCheckAt - Date.now()) : Infinity;
      const ttlFirst = remaining <= untilCheck;
      const woke =
        remaining > 0 &&
        (await condition(
          () =>
            run.teardownReason !== undefined ||
            shouldContinue() ||
            state.expiresAtMs !== expiresAt ||
            (swept && (run.suspected !== undefined || run.rewatch)),
          ttlFirst ? remaining : untilCheck,
        ));
      if (!woke && ttlFirst) run.teardownReason ??= 'ttl expired';
      if (run.teardownReason !== undefined) return await finish(run, await cleanUp(run, run.teardownReason));
      if (!woke) {
        nextCheckAt = Date.now() + confirmEveryMs;
        const r = await checkDrift(run);
        if (r) return await giveUpLost(run, r.lost);
        // Watched and no longer in doubt (or not watched yet): tell the sweep what this run saw.
        if (swept && (state.watchedBy === undefined || ownVerdict(state) !== MISSING)) await watchMe(run);
        continue;
      }
      if (swept && run.suspected !== undefined) {
        // The sweep saw the verdict change: confirm with this run's own check before recording it.
        const said = run.suspected.verdict;
        run.suspected = undefined;
        nextCheckAt = Date.now() + confirmEveryMs;
        const r = await checkDrift(run);
        if (r) return await giveUpLost(run, r.lost);
        // The sweep already holds what it saw: answer only when this run disagrees.
        if (ownVerdict(state) !== said) run.rewatch = true;
      }
      if (swept && run.rewatch) {
        run.rewatch = false;
        await watchMe(run);
      }
      // Woken by an extension or the sweep: wait again (with the new expiry).
      if (!shouldContinue()) continue;
      await condition(() => (!busy(run) && allHandlersFinished()) || run.teardownReason !== undefined);
      if (run.teardownReason !== undefined) continue;
      state.generation += 1;
      return await continueAsNew<(next: ProvisionInput) => Promise<TeardownResult>>({
        // ctx.spec: an `apply` update may have replaced the spec the run started with.
        spec: patched(PATCHES.carryNormalisedSpec) ? ctx.spec : input.spec,
        ...(input.tuning ? { tuning: input.tuning } : {}),
        ...(input.owner ? { owner: input.owner } : {}),
        carried: state,
      });
    }
  } catch (err) {
    if (isCancellation(err)) return finish(run, await cleanUp(run, 'cancelled', err));
    throw err;
  }
}
