/**
 * Heartbeats, resume details and cancellation for long activities. Outside an activity context
 * (plain unit tests, scripts) these are no-ops, so the same functions run anywhere.
 */
import { asyncLocalStorage, type Context } from '@temporalio/activity';

function context(): Context | undefined {
  return asyncLocalStorage.getStore();
}

/** Records progress. Details are plain facts (counts, operation names) — never credentials. */
export function heartbeat(details: Record<string, unknown>): void {
  context()?.heartbeat(details);
}

/** The details of the last heartbeat of a previous attempt, so a retry resumes instead of restarting. */
export function resumeDetails<T extends object>(): Partial<T> | undefined {
  const d: unknown = context()?.info.heartbeatDetails;
  return d && typeof d === 'object' ? (d as Partial<T>) : undefined;
}

/** Aborts when Temporal cancels the activity (or never, outside an activity). */
export function cancelSignal(): AbortSignal | undefined {
  return context()?.cancellationSignal;
}

/** Resolves after ms, or rejects when the activity is cancelled. */
export function pause(ms: number): Promise<void> {
  const signal = cancelSignal();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
