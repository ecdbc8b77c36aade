/**
 * When and how long the distribution client waits before trying a registry request again: a
 * 408, a 429 or a 5xx, or a connection that failed (refused, reset), with capped exponential
 * backoff and jitter, at least what Retry-After asks. Any other 4xx is the registry's answer.
 */
import { TransientCloudError } from '../contract/activity-errors';

/** How one registry request is retried. */
export interface RetryPolicy {
  /** Tries per request, the first included. */
  attempts: number;
  /** The first wait; it doubles per retry up to `capMs`, and each wait is jittered to between half and all of it. */
  baseMs: number;
  capMs: number;
  /** The longest wait a Retry-After header can ask for. */
  maxRetryAfterMs: number;
}

/**
 * Six tries over about 15 s: at 30 % failed calls, about one request in 1,400 runs out, and
 * the activity's own retry takes that one.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 500, capMs: 8000, maxRetryAfterMs: 60_000 };

/** A status worth another try: request timeout, throttling, a server error. */
export const retryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** The wait a Retry-After header asks for (seconds, or an HTTP date); undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * A failure of the client worth another try: a transient one (see registryError) from a retryable
 * status or from the network (no status); never one after a cancel.
 */
export function isRetryable(err: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted || !(err instanceof TransientCloudError)) return false;
  const status = err.context.httpStatus;
  return typeof status !== 'number' || retryableStatus(status);
}

/** The wait before retry `n` (1-based). */
export function backoffMs(policy: RetryPolicy, n: number, retryAfter?: number, random = Math.random): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** (n - 1));
  const jittered = exp / 2 + (random() * exp) / 2;
  return Math.min(Math.max(jittered, retryAfter ?? 0), policy.maxRetryAfterMs);
}

/** Waits `ms`, calling `onWait` at the start and every second (a heartbeat); rejects at once on abort. */
export async function waitToRetry(ms: number, signal?: AbortSignal, onWait?: () => void): Promise<void> {
  for (let left = ms; ; left -= 1000) {
    onWait?.();
    if (left <= 0) return;
    await new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const onAbort = () => {
        clearTimeout(t);
        reject(signal?.reason as Error);
      };
      const t = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.min(left, 1000),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/**
 * Runs `attempt` (given its 1-based number: an upload starts a new session from the second on)
 * until it succeeds, fails for good, or the policy's tries are spent.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  attempt: (n: number) => Promise<T>,
  opts: { signal?: AbortSignal; onWait?: () => void } = {},
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (n >= policy.attempts || !isRetryable(err, opts.signal)) throw err;
      const asked = (err as TransientCloudError).context.retryAfterMs;
      await waitToRetry(backoffMs(policy, n, typeof asked === 'number' ? asked : undefined), opts.signal, opts.onWait);
    }
  }
}
