import { runWorker } from '../../worker';
import type { CommandInput } from '../command';

/** `gkeflow worker`: run a worker in the foreground until Ctrl-C. */
export async function workerCommand({ err }: CommandInput): Promise<void> {
  await runWorker(err);
}
