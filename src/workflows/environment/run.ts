/**
 * One run of the environment workflow: what its parts (handlers, gate, lifecycle, ending) share.
 * The run is set up in one place, in the order the recorded histories expect: the workflow id is
 * checked against the spec, the expiry fixed, the identity published, the activity proxies made.
 */
import { CancellationScope, workflowInfo } from '@temporalio/workflow';
import { envRefOf } from '../../contract/provision-input';
import { parseDuration } from '../../envspec/names';
import type { SpecIssue } from '../../envspec/validate';
import type { TeardownResult } from '../../contract/messages';
import type { DriftSuspected } from '../../contract/fleet-health';
import { invalidSpecFailure } from '../errors';
import type { ProvisionInput } from '../../contract/workflow-input';
import type { EnvContext } from '../provision';
import { activityProxies } from '../proxies';
import { resourceLabels } from '../requests';
import { FifoLock } from '../serial';
import { initialState, publishIdentity, showStep } from '../state';
import { specOf } from '../versioning';

/** The mutable state of one run, read and written by its handlers and its main loop. */
export interface EnvRun {
  readonly input: ProvisionInput;
  /** What every step needs: spec, env, state, activities, tuning, labels, the step in flight. */
  readonly ctx: EnvContext;
  /** The problems of a carried spec a newer worker refuses: the run only cleans up. */
  readonly stale?: SpecIssue[];
  /** Why the run is ending (teardown, TTL, cancel); set once, by the first to ask. */
  teardownReason: string | undefined;
  /** Set when the run is ending; a waiting teardown update answers with it (leftovers included). */
  ended: TeardownResult | undefined;
  /** Set once cleanup begins: queued changes are refused from then on. */
  closing: boolean;
  /** The pre-FIFO gate, kept for runs that replay from before PATCHES.serialUpdates. */
  legacyBusy: boolean;
  /** The FIFO gate of cluster changes and drift checks. */
  readonly lock: FifoLock;
  /** The scope provisioning runs in: a teardown during provisioning cancels it. */
  readonly provisioning: CancellationScope;
  /** The fleet sweep saw this environment's verdict change: the run confirms with its own check. */
  suspected: DriftSuspected | undefined;
  /** Something the sweep compares moved (scale, resize, apply): send it the new expectation. */
  rewatch: boolean;
}

/** Checks the run's id, fixes its state and publishes its identity. Throws InvalidSpecError. */
export function startRun(input: ProvisionInput): EnvRun {
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
    labels: resourceLabels(spec, state.expiresAtMs, input.owner),
    currentStep: '',
  };
  return {
    input,
    ctx,
    ...(stale ? { stale } : {}),
    teardownReason: undefined,
    ended: undefined,
    closing: false,
    legacyBusy: false,
    lock: new FifoLock(),
    provisioning: new CancellationScope(),
    suspected: undefined,
    rewatch: false,
  };
}

/** True while a cluster change (or drift check) holds either gate. */
export const busy = (run: EnvRun): boolean => run.legacyBusy || run.lock.busy;

/** The phase of a running environment: `degraded` while the last drift check found something. */
export const settledPhase = (run: EnvRun): 'degraded' | 'running' =>
  run.ctx.state.drift !== undefined ? 'degraded' : 'running';

/** Shows the running (or degraded) environment as the run's current step. */
export const showRunning = (run: EnvRun): void =>
  showStep(
    run.ctx.state.drift !== undefined
      ? `Degraded: ${run.ctx.state.drift}`
      : `Running at ${run.ctx.state.endpoint ?? '(no endpoint)'}`,
  );
