import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { ensureToolchain } from '../../src/toolchain/toolchain';
import { startEphemeralTemporal } from '../../src/stack/temporal-server';

let started: Promise<{ address: string }> | undefined;

/**
 * The address of a real Temporal dev server for tests. `npm test` starts one for the whole run
 * and passes GKEFLOW_TEST_TEMPORAL_ADDRESS; a test file run on its own starts its own (in memory).
 */
export async function testTemporalAddress(): Promise<string> {
  if (process.env.GKEFLOW_TEST_TEMPORAL_ADDRESS) return process.env.GKEFLOW_TEST_TEMPORAL_ADDRESS;
  started ??= (async () => {
    const tc = await ensureToolchain({ only: ['temporal'], log: (l) => console.error(`[toolchain] ${l}`) });
    return startEphemeralTemporal(tc.temporal, fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-temporal-')));
  })();
  return (await started).address;
}

/** A task queue name unique to one test. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
