import type { Client } from '@temporalio/client';
import type { EnvironmentSpec } from '../spec';
import { causeMessages } from '../errors';
import { sleep } from '../process/process';
import { envStatus } from '../temporal/environments';
import type { TeardownResult } from '../workflows/definitions';
import type { EnvironmentStatus } from '../workflows/input';

/** One line on how a closed run ended: what teardown removed, or why it failed (the cause chain). */
export async function closedOutcome(client: Client, envId: string): Promise<string> {
  try {
    const r = (await client.workflow.getHandle(envId).result()) as TeardownResult | undefined;
    return r ? `torn down (${r.reason}): cleaned ${r.cleaned.join(', ') || 'nothing'}` : 'completed';
  } catch (e) {
    const chain = causeMessages(e);
    return `failed: ${chain.slice(1).join(' <- ') || chain[0]}`;
  }
}

/** Human lines for a status: phase, resources, endpoint, expiry. */
export function printStatus(s: EnvironmentStatus, out: (l: string) => void): void {
  out(`  phase       ${s.phase}${s.lastError ? ` (last error: ${s.lastError})` : ''}`);
  out(
    `  resources   ${Object.entries(s.resources)
      .map(([k, v]) => `${k}=${v}`)
      .join('  ')}`,
  );
  out(
    `  replicas    ${s.replicas}   nodes ${
      Object.entries(s.poolSizes)
        .map(([p, n]) => `${p}=${n}`)
        .join(' ') || '-'
    }`,
  );
  out(`  steps       ${s.stepsDone}/${s.stepsTotal}`);
  if (s.imageReference) out(`  image       ${s.imageReference}`);
  if (s.endpoint) out(`  endpoint    ${s.endpoint}`);
  if (s.probe)
    out(
      `  probe       ${s.probe.skipped ? `skipped: ${s.probe.skipped}` : s.probe.ok ? `ok (${s.probe.status})` : `failed (${s.probe.status ?? 'no answer'})`}`,
    );
  out(`  expires     ${s.expiresAt}`);
}

function describe(s: EnvironmentStatus): string {
  return `${s.phase} | ${Object.entries(s.resources)
    .map(([k, v]) => `${k} ${v}`)
    .join(
      ', ',
    )} | replicas ${s.replicas}, nodes ${Object.values(s.poolSizes).reduce((a, b) => a + b, 0)} | steps ${s.stepsDone}/${s.stepsTotal}`;
}

/**
 * Follows an environment until it is provisioned (all plan steps done) or fails, printing a
 * line with the elapsed time whenever its state changes. Returns the exit code.
 */
export async function followEnvironment(
  client: Client,
  envId: string,
  spec: EnvironmentSpec,
  out: (l: string) => void,
  err: (l: string) => void,
): Promise<number> {
  const t0 = Date.now();
  let last = '';
  for (;;) {
    const st = await envStatus(client, envId).catch(() => undefined);
    if (st?.status) {
      const line = describe(st.status);
      if (line !== last) err(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}`);
      last = line;
      const s = st.status;
      if (s.phase === 'failed' || s.phase === 'torn-down') {
        err(`environment ${envId} ${s.phase}${s.lastError ? `: ${s.lastError}` : ''}`);
        return 1;
      }
      if (s.phase === 'running' && s.stepsDone === s.stepsTotal) {
        out(`\n${envId} is running`);
        printStatus(s, out);
        out(
          `  kubeconfig  npx gkeflow kubeconfig ${spec.cluster.name} > kubeconfig.yaml && kubectl --kubeconfig kubeconfig.yaml get pods`,
        );
        out(`  tear down   npx gkeflow down ${spec.cluster.name} --wait   (or wait for the TTL)`);
        return 0;
      }
    } else if (st && st.runStatus !== 'RUNNING') {
      err(`environment ${envId} run ended: ${await closedOutcome(client, envId)}`);
      return 1;
    }
    await sleep(500);
  }
}
