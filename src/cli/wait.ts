/**
 * `--timeout` for a wait on one answer (an update's result): race it against the clock, and on
 * time-out say where the environment stood. The update itself goes on in the workflow.
 */
import { waitTimeout } from './environment-view';

/** The promise's value, or a GKF-WAIT-TIMEOUT CliError (exit 1) once `timeoutMs` has passed. */
export async function withWaitTimeout<T>(
  work: Promise<T>,
  timeoutMs: number | undefined,
  envId: string,
  where: () => Promise<string>,
): Promise<T> {
  if (timeoutMs === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = Symbol('timeout');
  const clock = new Promise<typeof timedOut>((resolve) => (timer = setTimeout(() => resolve(timedOut), timeoutMs)));
  try {
    const r = await Promise.race([work, clock]);
    if (r === timedOut) {
      work.catch(() => undefined); // still running; its outcome is no longer ours to report
      throw waitTimeout(envId, timeoutMs, await where().catch((e: Error) => `status unreadable (${e.message})`));
    }
    return r as T;
  } finally {
    clearTimeout(timer);
  }
}
