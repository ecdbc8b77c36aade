/**
 * Failures the workflows end with. Each is an ApplicationFailure whose type names the failure
 * mode and whose details are plain JSON the CLI can print; the activity failure that started it
 * is the cause, so the chain reads WorkflowFailedError → ApplicationFailure(type) → ActivityFailure → …
 */
import type { ApplicationFailure } from '@temporalio/workflow';
import { failure } from '../contract/temporal-failures';
import type { ResourceKind } from '../contract/resource-kinds';
import type { SpecIssue } from '../envspec/validate';
import type { Leftover } from '../contract/messages';

/** Details of ProvisionFailedError / CleanupIncompleteError (details[0]). */
export interface FailureDetails {
  envId: string;
  /** The step that failed (`ensureCluster`, `scale 3`, …), or `teardown`. */
  failedStep: string;
  /** Why cleanup ran: a failed step, a cancel, the TTL, a teardown request. */
  reason: string;
  cleaned: ResourceKind[];
  leftovers: Leftover[];
}

/** Thrown by environmentWorkflow when its input spec is invalid (details[0] = the issues). */
export function invalidSpecFailure(issues: SpecIssue[]): ApplicationFailure {
  return failure('InvalidSpecError', `invalid spec: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
    details: [issues],
  });
}

/** The failure a run ends with after cleanup: CleanupIncompleteError when something was left, else ProvisionFailedError. */
export function provisionFailure(details: FailureDetails, cause: Error | undefined): ApplicationFailure {
  const incomplete = details.leftovers.length > 0;
  const left = details.leftovers.map((l) => `${l.kind} ${l.name} (${l.error})`).join(', ');
  // The reason only adds something when it is not just "<step> failed" again.
  const why = details.reason === `${details.failedStep} failed` ? '' : ` (${details.reason})`;
  return incomplete
    ? failure(
        'CleanupIncompleteError',
        `${details.failedStep} failed${why} and cleanup is incomplete; left for the reaper: ${left}`,
        { details: [details], cause },
      )
    : failure(
        'ProvisionFailedError',
        `${details.failedStep} failed${why}; cleaned up: ${details.cleaned.join(', ') || 'nothing to clean'}`,
        { details: [details], cause },
      );
}

/** Thrown by teardown when some resources could not be deleted. */
export function cleanupFailure(details: FailureDetails): ApplicationFailure {
  const left = details.leftovers.map((l) => `${l.kind} ${l.name} (${l.error})`).join(', ');
  return failure('CleanupIncompleteError', `teardown (${details.reason}) incomplete; left for the reaper: ${left}`, {
    details: [details],
  });
}

/** A one-line description of any error, for status and leftovers. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const type = (err as { type?: string }).type;
    const own = type ? `${type}: ${err.message}` : err.message;
    return cause instanceof Error && cause.message && cause.message !== err.message
      ? `${own} ← ${describeError(cause)}`
      : own;
  }
  return String(err);
}
