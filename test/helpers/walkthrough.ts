/**
 * What the end-to-end tests share: the tuning of a run against the local cloud, the
 * walkthrough's example spec under a test's cluster name, and waiting on an environment's status.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { Client } from '@temporalio/client';
import { repoRoot } from '../../src/paths';
import { validateSpec, type EnvironmentSpec } from '../../src/envspec';
import { envStatus } from '../../src/temporal/environments';
import type { EnvironmentStatus, ProvisionTuning } from '../../src/contract/workflow-input';

/** Retries quick enough for a test, timeouts long enough for kwok control planes on 2 cores. */
export const E2E_TUNING: ProvisionTuning = Object.freeze({
  retryInitialInterval: '100ms',
  maximumAttempts: 4,
  cleanupMaximumAttempts: 6,
  heartbeatTimeout: '30s',
  shortTimeout: '1m',
  longTimeout: '3m',
});

/** examples/tensorflow-notebook.yaml with the cluster named `cluster` and a 1 h TTL; `edit` changes the document first. */
export function exampleSpec(
  cluster: string,
  edit: (doc: Record<string, unknown>) => void = () => undefined,
): EnvironmentSpec {
  const file = path.join(repoRoot, 'examples/tensorflow-notebook.yaml');
  const doc = YAML.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  (doc.cluster as Record<string, unknown>).name = cluster;
  doc.ttl = '1h';
  edit(doc);
  return validateSpec(doc, cluster);
}

/** Polls the environment's status until pred holds; fails with the last status seen. */
export async function statusUntil(
  client: Client,
  envId: string,
  pred: (s: EnvironmentStatus) => boolean,
  timeoutMs = 60_000,
): Promise<EnvironmentStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: EnvironmentStatus | undefined;
  while (Date.now() < deadline) {
    const st = await envStatus(client, envId).catch(() => undefined);
    if (st?.status) {
      last = st.status;
      if (pred(st.status)) return st.status;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${envId}: condition not met; last status ${JSON.stringify(last)}`);
}

/**
 * Waits until the environment has run its whole plan or failed; returns its phase, or the run's
 * status when the run closed without one (e.g. FAILED before it answered a query).
 */
export async function planDone(client: Client, envId: string, timeoutMs = 180_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let phase = '?';
  while (Date.now() < deadline) {
    const st = await envStatus(client, envId).catch(() => undefined);
    if (st?.status) {
      phase = st.status.phase;
      if (phase === 'failed' || (phase === 'running' && st.status.stepsDone === st.status.stepsTotal)) return phase;
    } else if (st && st.runStatus !== 'RUNNING') return st.runStatus;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${envId} stuck in phase ${phase}`);
}
