/**
 * The messages an environment answers: the `status` query and the `scale`, `resize`, `extend`
 * and `teardown` updates. Changes go through the gate; a teardown asks the run to end and waits
 * for what its cleanup did.
 */
import { condition, patched, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { failure } from '../../contract/temporal-failures';
import { EXPIRED_REASON } from '../../contract/reaper-io';
import { PATCHES } from '../versioning';
import { driftSuspectedSignal } from '../../contract/fleet-health';
import { SEARCH_ATTRIBUTES as SA } from '../../contract/labels';
import { parseDuration } from '../../envspec/names';
import {
  applySpecUpdate,
  specQuery,
  extendUpdate,
  resizeUpdate,
  scaleUpdate,
  statusQuery,
  teardownUpdate,
  type TeardownResult,
} from '../../contract/messages';
import { extendTtl, resize, scale } from '../provision';
import { statusOf } from '../state';
import { validateApplySpec, validateExtend, validateResize, validateScale } from '../validators';
import { applySpec } from '../app-update';
import { exclusive } from './gate';
import type { EnvRun } from './run';

/** Registers the query and the update handlers of the run. */
export function setHandlers(run: EnvRun): void {
  const { ctx } = run;
  const { state } = ctx;
  setHandler(statusQuery, () => statusOf(ctx.spec, state));
  setHandler(specQuery, () => ctx.spec);
  // The fleet sweep's wake-up: only a run the sweep watches acts on it (keepAlive).
  setHandler(driftSuspectedSignal, (s) => {
    run.suspected = s;
  });
  setHandler(applySpecUpdate, ({ spec: next }) => exclusive(run, 'updating', () => applySpec(ctx, next)), {
    validator: (req) => validateApplySpec(ctx.spec, state, run.teardownReason, req),
  });
  setHandler(scaleUpdate, ({ replicas }) => exclusive(run, 'scaling', () => scale(ctx, replicas)), {
    validator: (req) => validateScale(state, run.teardownReason, req),
  });
  setHandler(
    resizeUpdate,
    ({ pool, nodeCount }) =>
      exclusive(run, 'resizing', async () => {
        await resize(ctx, pool, nodeCount);
        return { pool, nodeCount };
      }),
    { validator: (req) => validateResize(ctx.spec, state, run.teardownReason, req) },
  );
  setHandler(
    extendUpdate,
    async ({ ttl }) => {
      const extended = await exclusive(run, 'extending', async () => {
        await extendTtl(ctx, Date.now() + (parseDuration(ttl) ?? 0));
        upsertSearchAttributes([{ key: SA.expiresAt, value: new Date(state.expiresAtMs) }]);
        return { expiresAt: new Date(state.expiresAtMs).toISOString() };
      });
      // The TTL fired (or a teardown came) while the label changed: the run is ending all the
      // same, so the extension must not report success (runs recorded before keep their answer).
      if (run.teardownReason !== undefined && patched(PATCHES.extendClosing))
        throw failure(
          'EnvironmentClosingError',
          `the environment began tearing down (${run.teardownReason}) while the extension ran; it is not extended`,
        );
      return extended;
    },
    { validator: (req) => validateExtend(state, run.teardownReason, req) },
  );
  setHandler(
    teardownUpdate,
    async (req) => {
      run.teardownReason ??= req?.reason ?? 'teardown requested';
      // A teardown during provisioning stops the step in flight; the saga then cleans up.
      if (state.phase === 'provisioning' || state.phase === 'validating') run.provisioning.cancel();
      await condition(() => run.ended !== undefined);
      // Leftovers are in the result; the run itself still fails with CleanupIncompleteError.
      return run.ended as TeardownResult;
    },
    {
      validator: (req) => {
        if (state.phase === 'torn-down' || state.phase === 'failed' || state.phase === 'lost')
          throw new Error(`the environment is already ${state.phase}`);
        // A reaper that judged a stale label (an adopted cluster's, or one read before an extend) ends nothing.
        if (req?.reason === EXPIRED_REASON && state.expiresAtMs > Date.now())
          throw new Error(
            `refusing a teardown for reason '${EXPIRED_REASON}': this run expires at ${new Date(state.expiresAtMs).toISOString()}`,
          );
      },
    },
  );
}
