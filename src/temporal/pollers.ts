/**
 * Whether a worker polls a task queue, asked through a connection the caller already has, so it
 * carries the same address, TLS, API key and metadata as every other call (a fresh address-only
 * connection fails on Temporal Cloud and any secured cluster, and the check then never warned).
 */
import type { ConnectionLike } from '@temporalio/client';

type Workflows = Pick<ConnectionLike, 'workflowService'>;

/** True when a worker (with process id `pid`, when given) polls the queue's workflow tasks. */
export async function hasPoller(svc: Workflows, namespace: string, taskQueue: string, pid?: number): Promise<boolean> {
  const res = await svc.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: 1,
  });
  return (res.pollers ?? []).some((p) => pid === undefined || (p.identity ?? '').startsWith(`${pid}@`));
}

/**
 * The warning `up` prints after a start: none when a worker polls; "start one" when none does;
 * "cannot tell" with the reason when the check itself fails (never swallowed).
 */
export async function pollerWarning(
  svc: Workflows,
  namespace: string,
  taskQueue: string,
  startHint: string,
): Promise<string | undefined> {
  try {
    if (await hasPoller(svc, namespace, taskQueue)) return undefined;
  } catch (e) {
    return `warning: cannot tell whether a worker polls task queue ${taskQueue}: ${(e as Error).message.split('\n')[0]}`;
  }
  return `warning: no worker polls task queue ${taskQueue} yet; start one: ${startHint}`;
}
