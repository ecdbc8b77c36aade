/**
 * Temporal for the in-process clouds of tests and benches: the run's dev server (one per
 * process unless `npm test` passes one), task queues unique to a caller, the workflow bundle
 * built once per process, and a worker runtime that logs errors only.
 */
import path from 'node:path';
import os from 'node:os';
import fs from 'node:fs';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ensureToolchain } from '../toolchain/toolchain';
import { startEphemeralTemporal } from './temporal-server';
import { workflowBundlerOptions } from '../workflow-source';

let started: Promise<{ address: string }> | undefined;

/**
 * The address of a real Temporal dev server for tests and benches. `npm test` starts one for the
 * whole run and passes GKEFLOW_TEST_TEMPORAL_ADDRESS; a file or bench run on its own starts its
 * own (in memory).
 */
export async function localTemporalAddress(): Promise<string> {
  if (process.env.GKEFLOW_TEST_TEMPORAL_ADDRESS) return process.env.GKEFLOW_TEST_TEMPORAL_ADDRESS;
  started ??= (async () => {
    const tc = await ensureToolchain({ only: ['temporal'], log: (l) => console.error(`[toolchain] ${l}`) });
    return startEphemeralTemporal(tc.temporal, fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-temporal-')));
  })();
  return (await started).address;
}

/** A task queue name unique to one test or bench run. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per process (bundling takes seconds). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    ...workflowBundlerOptions(),
    logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } as never,
  });
  return bundle;
}

let quiet = false;
/**
 * Worker INFO logs drown a test report or a bench's figures; errors still show. Installs once per
 * process: a bench that reads the worker's Prometheus metrics calls it first with their address.
 */
export function quietWorkerLogs(o: { prometheusAddress?: string } = {}): void {
  if (quiet) return;
  quiet = true;
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    ...(o.prometheusAddress
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: o.prometheusAddress } } } }
      : {}),
  });
}
