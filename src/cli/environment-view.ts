/**
 * How the CLI shows an environment: its status lines (`status`), the live view `up --wait`
 * follows it with, and one line on how a closed run ended. Reads the status query only.
 */
import type { Client } from '@temporalio/client';
import type { EnvironmentSpec } from '../envspec';
import { causeMessages, CliError } from '../config/errors';
import { sleep } from '../process/process';
import { envStatus } from '../temporal/environments';
import type { TeardownResult } from '../contract/messages';
import type { EnvironmentStatus } from '../contract/workflow-input';

/** How long `up --wait` waits for a run in its last phase to close before printing the phase alone. */
const CLOSE_WAIT_MS = 15_000;

/** One line on how a closed run ended: what teardown removed, or why it failed (the cause chain). */
export async function closedOutcome(client: Client, envId: string): Promise<string> {
  try {
    const r = (await client.workflow.getHandle(envId).result()) as TeardownResult | undefined;
    if (!r) return 'completed';
    const leaks = r.possibleLeaks?.length
      ? `; possible leak: ${r.possibleLeaks.map((l) => `${l.kind} ${l.name}`).join(', ')}`
      : '';
    return `torn down (${r.reason}): cleaned ${r.cleaned.join(', ') || 'nothing'}${leaks}`;
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

/** One line on where an environment stands: phase, resources, replicas, nodes, steps. */
export function statusLine(s: EnvironmentStatus): string {
  return `${s.phase} | ${Object.entries(s.resources)
    .map(([k, v]) => `${k} ${v}`)
    .join(
      ', ',
    )} | replicas ${s.replicas}, nodes ${Object.values(s.poolSizes).reduce((a, b) => a + b, 0)} | steps ${s.stepsDone}/${s.stepsTotal}`;
}

/** How progress is drawn: redrawn lines on a terminal, plain lines otherwise; colour unless NO_COLOR. */
export interface ProgressStyle {
  /** Redraw one line per resource in place (stderr is a terminal). */
  tty: boolean;
  color: boolean;
}

/** The style for stderr and the environment (NO_COLOR: https://no-color.org, any non-empty value). */
export function progressStyle(
  stream: { isTTY?: boolean } = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): ProgressStyle {
  const tty = !!stream.isTTY && env.TERM !== 'dumb';
  return { tty, color: tty && !env.NO_COLOR };
}

const paint = (style: ProgressStyle, state: string, text: string) => {
  if (!style.color) return text;
  const code = /fail|error|lost|degraded/.test(state)
    ? 31
    : /running|ready|done|pushed|created|applied|ok|exists/.test(state)
      ? 32
      : 33;
  return `\x1b[${code}m${text}\x1b[0m`;
};

/** The lines of the live view: a header, then one line per resource. */
export function progressLines(s: EnvironmentStatus, elapsedMs: number, style: ProgressStyle): string[] {
  const header = `[${(elapsedMs / 1000).toFixed(1).padStart(6)}s] ${paint(style, s.phase, s.phase)} · steps ${s.stepsDone}/${s.stepsTotal} · replicas ${s.replicas} · nodes ${Object.values(s.poolSizes).reduce((a, b) => a + b, 0)}`;
  return [header, ...Object.entries(s.resources).map(([k, v]) => `  ${k.padEnd(12)}${paint(style, v, v)}`)];
}

/** Polls in a row that Temporal may leave unanswered before `up --wait` gives up (each up to 2.5 s). */
export const MAX_UNANSWERED_POLLS = 10;

/** True when the Temporal frontend answers a cheap call within two seconds. */
async function temporalAnswers(client: Client): Promise<boolean> {
  try {
    await client.connection.withDeadline(Date.now() + 2000, () => client.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false;
  }
}

/** What `up --wait` adds to following: a time limit, progress events (jsonl), the final status. */
export interface FollowOptions {
  /** `--timeout`: give up after this long (GKF-WAIT-TIMEOUT, exit 1) saying where it stood. */
  timeoutMs?: number;
  /** Called with each changed status (`--output jsonl` prints them). */
  onStatus?: (s: EnvironmentStatus, elapsedMs: number) => void;
  /** Called once with the status that ended the wait successfully. */
  onRunning?: (s: EnvironmentStatus) => void;
}

/** How long one status poll may take: 10 s, less when --timeout ends sooner (at least 0.5 s). */
const pollBudget = (t0: number, timeoutMs?: number): number =>
  timeoutMs === undefined ? 10_000 : Math.max(500, Math.min(10_000, t0 + timeoutMs - Date.now()));

/** The CliError for a wait whose --timeout ran out, saying where the environment stood. */
export function waitTimeout(envId: string, timeoutMs: number, where: string): CliError {
  return new CliError(
    `--timeout ${Math.round(timeoutMs / 1000)}s ran out while waiting for ${envId}; it stood at: ${where} ` +
      `(the workflow goes on; follow it with: gkeflow status ${envId})`,
    'GKF-WAIT-TIMEOUT',
  );
}

/**
 * Follows an environment until it is provisioned (all plan steps done) or fails. On a terminal
 * it redraws one line per resource in place; otherwise it prints a plain line with the elapsed
 * time whenever the state changes. Returns the exit code.
 */
export async function followEnvironment(
  client: Client,
  envId: string,
  spec: EnvironmentSpec,
  out: (l: string) => void,
  err: (l: string) => void,
  style: ProgressStyle = progressStyle(),
  maxUnanswered = MAX_UNANSWERED_POLLS,
  opts: FollowOptions = {},
): Promise<number> {
  const t0 = Date.now();
  let last = '';
  let where = 'no status read yet';
  let drawn = 0;
  let unanswered = 0;
  for (;;) {
    // Each poll is bounded: a query with no worker, or a frontend that went away, must not hang.
    const st =
      unanswered > 0
        ? undefined
        : await client.connection
            .withDeadline(Date.now() + pollBudget(t0, opts.timeoutMs), () => envStatus(client, envId))
            .catch(() => undefined);
    // A status that cannot be read is fine while Temporal answers (no worker yet, a query timing
    // out); when Temporal itself stops answering, stop following instead of polling forever.
    if (st || (await temporalAnswers(client))) unanswered = 0;
    else if (++unanswered >= maxUnanswered)
      throw new CliError(
        `Temporal stopped answering while following ${envId}; the environment's workflow resumes when Temporal is back (gkeflow status ${envId})`,
        'GKF-TEMPORAL-UNREACHABLE',
      );
    if (st?.status) {
      if (style.tty) {
        // Move up over the previous block and rewrite it, clearing each line.
        const lines = progressLines(st.status, Date.now() - t0, style);
        err(`${drawn ? `\x1b[${drawn}F` : ''}${lines.map((l) => `\x1b[2K${l}`).join('\n')}`);
        drawn = lines.length;
      } else {
        const line = statusLine(st.status);
        if (line !== last) err(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}`);
        last = line;
      }
      const s = st.status;
      const now = statusLine(s);
      if (now !== where) opts.onStatus?.(s, Date.now() - t0);
      where = now;
      if (s.phase === 'failed' || s.phase === 'torn-down') {
        // The run closes right after its last phase: say how it ended (what was cleaned up, the
        // whole cause chain) as for a run already closed, whichever of the two this poll met.
        const ended = await client.connection
          .withDeadline(Date.now() + CLOSE_WAIT_MS, () => closedOutcome(client, envId))
          .catch(() => undefined);
        err(
          ended
            ? `environment ${envId} run ended: ${ended}`
            : `environment ${envId} ${s.phase}${s.lastError ? `: ${s.lastError}` : ''}`,
        );
        return 1;
      }
      if (s.phase === 'running' && s.stepsDone === s.stepsTotal) {
        opts.onRunning?.(s);
        out(`\n${envId} is running`);
        printStatus(s, out);
        out(
          `  kubeconfig  npx gkeflow kubeconfig ${spec.cluster.namespace ?? spec.cluster.name} > kubeconfig.yaml && kubectl --kubeconfig kubeconfig.yaml get pods`,
        );
        out(
          `  tear down   npx gkeflow down ${spec.cluster.namespace ?? spec.cluster.name} --wait   (or wait for the TTL)`,
        );
        return 0;
      }
    } else if (st && st.runStatus !== 'RUNNING') {
      err(`environment ${envId} run ended: ${await closedOutcome(client, envId)}`);
      return 1;
    }
    if (opts.timeoutMs !== undefined && Date.now() - t0 >= opts.timeoutMs)
      throw waitTimeout(envId, opts.timeoutMs, where);
    await sleep(500);
  }
}
