/**
 * The whole local cloud for an end-to-end test (src/stack/local-cloud.ts, which benches start
 * too): the Temporal dev server of the test run, a CNCF registry, the GKE emulator with kwok
 * control planes at speed 10, and a worker running the real workflows and activities on a
 * unique task queue. `wrap` lets a test inject a fault around one activity while every other
 * call reaches the real systems.
 */
import type { GkeflowActivities } from '../../src/contract/activities';
import {
  startLocalCloud as startCloud,
  type LocalCloud,
  type LocalCloudOptions as CloudOptions,
} from '../../src/stack/local-cloud';

export type { LocalCloud } from '../../src/stack/local-cloud';

export type ActivityWrapper = (
  name: keyof GkeflowActivities,
  real: (...args: unknown[]) => Promise<unknown>,
) => (...args: unknown[]) => Promise<unknown>;

export type LocalCloudOptions = Pick<CloudOptions, 'requireAuth' | 'target'>;

/** Starts the local cloud; `wrapper()` is consulted on every activity call (default: pass through). */
export function startLocalCloud(
  wrapper: () => ActivityWrapper | undefined,
  opts: LocalCloudOptions = {},
): Promise<LocalCloud> {
  return startCloud({
    ...opts,
    emulator: { speed: 10 },
    taskQueuePrefix: 'e2e',
    around: (name, real, args) => {
      const w = wrapper();
      return w ? w(name, real)(...args) : real(...args);
    },
  });
}
