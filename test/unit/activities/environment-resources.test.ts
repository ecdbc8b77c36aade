import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { GkeClient } from '../../../src/clients/gke';
import { reaperActivities, RESOURCES_PARALLELISM } from '../../../src/activities/reaper';
import { ENVIRONMENT_WORKFLOW } from '../../../src/contract/messages';

void test('environmentResources reads histories in parallel, within its bound (issue 17 point 11)', async () => {
  let inFlight = 0;
  let most = 0;
  const client = {
    workflow: {
      getHandle: () => ({
        describe: async () => {
          most = Math.max(most, ++inFlight);
          await new Promise((r) => setTimeout(r, 20));
          inFlight--;
          return { type: ENVIRONMENT_WORKFLOW };
        },
        // A history without a start event: left out of the result.
        fetchHistory: () => Promise.resolve({ events: [] }),
      }),
    },
  } as unknown as Client;
  const acts = reaperActivities({ gke: {} as GkeClient, client: () => client });
  const ids = Array.from({ length: 40 }, (_, i) => `gkeflow/p-bound/us-central1-a/c${i}`);
  const beats: unknown[] = [];
  const env = new MockActivityEnvironment();
  env.on('heartbeat', (d: unknown) => beats.push(d));
  const started = Date.now();
  assert.deepEqual(await env.run(acts.environmentResources, { ids }), {});
  // One after another (before): 40 × 20 ms and one in flight at a time.
  assert.ok(most > 1, `histories read one at a time (most in flight: ${most})`);
  assert.ok(most <= RESOURCES_PARALLELISM, `more than ${RESOURCES_PARALLELISM} at once: ${most}`);
  assert.ok(Date.now() - started < 40 * 20, 'faster than one after another');
  assert.equal(beats.length, ids.length, 'a heartbeat per environment read');
});
