import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { ensureToolchain } from '../../src/stack/toolchain';
import { freePort, stopProcess } from '../../src/stack/process';
import { startTemporalServer } from '../../src/stack/temporal-server';

let started: Promise<{ address: string; stop: () => Promise<void> }> | undefined;

/**
 * The address of a real Temporal dev server for tests. `npm test` starts one for the whole run
 * and passes GKEFLOW_TEST_TEMPORAL_ADDRESS; a test file run on its own starts its own (in memory).
 */
export async function testTemporalAddress(): Promise<string> {
  if (process.env.GKEFLOW_TEST_TEMPORAL_ADDRESS) return process.env.GKEFLOW_TEST_TEMPORAL_ADDRESS;
  started ??= (async () => {
    const tc = await ensureToolchain({ only: ['temporal'], log: (l) => console.error(`[toolchain] ${l}`) });
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-temporal-'));
    const pid = await startTemporalServer({ binary: tc.temporal, port, uiPort: await freePort(), logFile: path.join(dir, 'temporal.log'), detached: false });
    process.once('exit', () => {
      try {
        process.kill(pid);
      } catch {
        /* gone */
      }
    });
    return { address: `127.0.0.1:${port}`, stop: () => stopProcess(pid) };
  })();
  return (await started).address;
}

/** A task queue name unique to one test. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
