import { parseEnvId } from '../../contract/environment-id';
import { SEARCH_ATTRIBUTES } from '../../contract/labels';
import { SpecValidationError, validateSpec, type EnvironmentSpec } from '../../envspec';
import { connectClient, taskQueueFor, temporalConfig } from '../../temporal/connection';
import { pollerWarning } from '../../temporal/pollers';
import { isUpdateUnsupported, MIN_SERVER_FOR_UPDATE } from '../../temporal/update-support';
import { requireSearchAttributes } from '../../temporal/search-attributes';
import { envHandle, envStatus, resolveEnvId, startEnvironment, uiLink } from '../../temporal/environments';
import { preflightUp } from '../gke-preflight';
import { closedOutcome, followEnvironment, printStatus, progressStyle, statusLine } from '../environment-view';
import type { CommandInput } from '../command';
import { emitResult, machineMode } from '../output';
import { withWaitTimeout } from '../wait';
import { confirmDeletion, requireConsent, terminalAsker } from '../confirm';
import { applySpecUpdate, specQuery, teardownUpdate } from '../../contract/messages';
import { fixedFieldProblems, ownWorkloadProblems, specChanges } from '../../envspec/spec-diff';
import type { Client } from '@temporalio/client';
import { ENVIRONMENT_WORKFLOW } from '../../contract/messages';
import { specFlag, specFromFlags, timeoutFlag, ttlFlag } from '../flags';
import { prepareApp } from '../../bundle/prepare';
import { toolchainRenderDeps } from '../../bundle/render-deps';
import { targetConfigFromEnv } from '../../clients/config';
import type { EnvironmentStatus } from '../../contract/workflow-input';

/** `1h 59m`, `3m 5s`, `expired`: how long until `expiresAt`. */
export function timeLeft(expiresAt: string, now = Date.now()): string {
  const s = Math.floor((Date.parse(expiresAt) - now) / 1000);
  if (!(s > 0)) return 'expired';
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = d ? [`${d}d`, `${h}h`] : h ? [`${h}h`, `${m}m`] : [`${m}m`, `${s % 60}s`];
  return parts.filter((p, i) => i === 0 || !p.startsWith('0')).join(' ');
}

/** Status lines the shared printer does not know: time left, what the drift check found, who watches it. */
function printLiveness(s: EnvironmentStatus, out: (l: string) => void): void {
  out(`  time left   ${timeLeft(s.expiresAt)}`);
  if (s.drift) out(`  drift       ${s.drift}`);
  if (s.checkedAt) out(`  checked     ${s.checkedAt}`);
  // Watched: the sweep looks every interval; `checked` is only the environment's own last check.
  if (s.watchedBy) out(`  watched by  ${s.watchedBy} (fleet health sweep)`);
}

/** The spec with `--ttl` applied when given (checked by the spec's rule; exit 2 naming the flag). */
function withTtl(spec: EnvironmentSpec, ttl: unknown): EnvironmentSpec {
  if (ttl === undefined) return spec;
  return validateSpec({ ...(JSON.parse(JSON.stringify(spec)) as EnvironmentSpec), ttl: ttlFlag(ttl) });
}

/** `gkeflow up -f SPEC [--wait]`: start the environment workflow, or attach to the open run. */
export async function upCommand(input: CommandInput): Promise<number> {
  const { flags, out, err } = input;
  const file = specFlag(flags);
  const timeoutMs = timeoutFlag(flags);
  const parsed = withTtl(specFromFlags(flags), flags.ttl); // invalid ⇒ exit 2 before anything is started
  await preflightUp(parsed, file, err); // a location GKE does not have ⇒ exit 2, still nothing started
  // An app is rendered here (a bad manifest ⇒ exit 2, nothing created) and travels by digest.
  const spec = parsed.app ? await pushApp(parsed, file, err) : parsed;
  const cfg = temporalConfig();
  const { client, close } = await connectClient(cfg);
  try {
    await requireSearchAttributes(client.connection, cfg.namespace); // missing ⇒ exit 2, nothing started
    const s = await startEnvironment(client, cfg, spec);
    err(`${s.started ? 'started' : 'attached to'} ${s.envId} (run ${s.runId})`);
    err(`Web UI: ${s.uiLink}`);
    if (!s.started && spec.app) {
      const code = await updateRunning(client, s.envId, spec, file, out, err);
      if (code !== undefined) return code;
    } else if (!s.started) await refuseOwnWorkloadChange(client, s.envId, spec, file, err);
    const queue = taskQueueFor(spec.target, cfg);
    const hint =
      `${spec.target === 'gcp' ? 'GKEFLOW_TARGET=gcp ' : ''}npx gkeflow worker` +
      `${spec.target === 'local' ? ' (or npx gkeflow stack up)' : ''}`;
    const warning = await pollerWarning(client.connection, cfg.namespace, queue, hint);
    if (warning) err(warning);
    const started = { envId: s.envId, runId: s.runId, started: s.started, uiLink: s.uiLink };
    if (!flags.wait) {
      emitResult(input, started);
      out(s.envId);
      return 0;
    }
    const cluster = spec.cluster.namespace ?? spec.cluster.name;
    return await followEnvironment(client, s.envId, spec, out, err, progressStyle(), undefined, {
      timeoutMs,
      onStatus: (st, elapsedMs) => input.output?.event({ event: 'status', elapsedMs, ...st }),
      onRunning: (st) =>
        emitResult(input, {
          ...started,
          phase: st.phase,
          endpoint: st.endpoint ?? null,
          kubeconfigCommand: `gkeflow kubeconfig ${cluster} > kubeconfig.yaml`,
          expiresAt: st.expiresAt,
          status: st,
        }),
    });
  } finally {
    await close();
  }
}

/** `gkeflow status ENV [--json]`. */
export async function statusCommand(input: CommandInput): Promise<number> {
  const { flags, args, out } = input;
  const cfg = temporalConfig();
  const { client, close } = await connectClient(cfg);
  try {
    const envId = await resolveEnvId(client, args[0]!);
    const st = await envStatus(client, envId);
    if (machineMode(input) || flags.json) {
      const doc = {
        envId,
        run: st.runStatus,
        runId: st.runId,
        ...st.status,
        ...(st.status
          ? { timeLeftSeconds: Math.max(0, Math.floor((Date.parse(st.status.expiresAt) - Date.now()) / 1000)) }
          : {}),
        uiLink: uiLink(cfg, envId, st.runId),
      };
      if (input.output) emitResult(input, doc);
      else out(JSON.stringify(doc, null, 2));
    } else {
      out(`${envId}  (run ${st.runStatus.toLowerCase()})`);
      if (st.status) {
        printStatus(st.status, out);
        printLiveness(st.status, out);
      } else out(`  outcome     ${await closedOutcome(client, envId)}`);
      out(`  web ui      ${uiLink(cfg, envId, st.runId)}`);
    }
    return st.status?.phase === 'failed' || st.status?.phase === 'lost' || st.runStatus === 'FAILED' ? 1 : 0;
  } finally {
    await close();
  }
}

/** `gkeflow down ENV [--wait]`: tear the environment down (Service → Deployment → cluster). */
export async function downCommand(input: CommandInput): Promise<number> {
  const { flags, args, out, err } = input;
  const timeoutMs = timeoutFlag(flags);
  const asker = terminalAsker();
  requireConsent(flags, 'down', asker); // no terminal, no --yes ⇒ exit 2 before connecting
  const cfg = temporalConfig();
  const { client, close } = await connectClient(cfg);
  try {
    const envId = await resolveEnvId(client, args[0]!);
    const h = await envHandle(client, envId);
    const d = await h.describe();
    if (d.status.name !== 'RUNNING') {
      err(`${envId} is not running (run ${d.status.name.toLowerCase()}); nothing to tear down`);
      emitResult(input, { envId, run: d.status.name, tornDown: false, reason: 'not running' });
      return 0;
    }
    const byCancel = async () => {
      // Workflow Update is off on this server: cancel instead; the workflow cleans up on cancellation.
      await h.cancel();
      err(
        `this Temporal refuses Workflow Update: cancelled ${envId} instead (its cleanup runs; Temporal Server >= ${MIN_SERVER_FOR_UPDATE} reports what was left)`,
      );
      if (!flags.wait) {
        out(`${envId}: cancelled; teardown runs`);
        emitResult(input, { envId, runId: d.runId, teardown: 'cancelled', byCancel: true });
        return 0;
      }
      await h.result().catch(() => undefined);
      const st = await envStatus(client, envId).catch(() => undefined);
      out(`${envId}: torn down (cancelled)`);
      // A cancelled run reports no list of what it cleaned (that needs Workflow Update).
      emitResult(input, {
        envId,
        runId: d.runId,
        tornDown: true,
        run: st?.runStatus ?? null,
        cleaned: null,
        byCancel: true,
      });
      return 0;
    };
    const ref = parseEnvId(envId);
    const live = (await envStatus(client, envId).catch(() => undefined))?.status;
    await confirmDeletion(flags, asker, [
      `environment ${envId}`,
      `GKE cluster ${ref?.cluster ?? envId} in ${ref ? `${ref.project}/${ref.location}` : 'its project'}`,
      ...Object.entries(live?.resources ?? {})
        .filter(([k]) => k !== 'cluster')
        .map(([k, v]) => `its ${k} (${v})`),
    ]);
    if (!flags.wait) {
      try {
        await h.startUpdate(teardownUpdate, { args: [{ reason: 'gkeflow down' }], waitForStage: 'ACCEPTED' });
      } catch (e) {
        if (isUpdateUnsupported(e)) return await byCancel();
        throw e;
      }
      err(`teardown of ${envId} started; follow it with: npx gkeflow status ${parseEnvId(envId)?.cluster ?? envId}`);
      emitResult(input, { envId, runId: d.runId, teardown: 'started' });
      return 0;
    }
    err(`tearing down ${envId} …`);
    let res;
    try {
      res = await withWaitTimeout(
        h.executeUpdate(teardownUpdate, { args: [{ reason: 'gkeflow down' }] }),
        timeoutMs,
        envId,
        async () => {
          const now = await envStatus(client, envId);
          return now.status ? statusLine(now.status) : `run ${now.runStatus.toLowerCase()}`;
        },
      );
    } catch (e) {
      if (isUpdateUnsupported(e)) return await byCancel();
      throw e;
    }
    if (res.leftovers.length) {
      emitResult(input, {
        error: {
          code: 'GKF-RUN-FAILED',
          message: `could not clean ${res.leftovers.length} resource(s); left labelled for the reaper`,
          problems: res.leftovers.map((l) => ({ path: JSON.stringify(l), message: 'left behind' })),
        },
      });
      err(`could not clean: ${res.leftovers.map((l) => JSON.stringify(l)).join('; ')} (left labelled for the reaper)`);
      return 1;
    }
    await h.result().catch(() => undefined);
    const st = await envStatus(client, envId).catch(() => undefined);
    out(`${envId}: torn down${st ? ` (run ${st.runStatus.toLowerCase()})` : ''}`);
    // Its cluster was already gone: load balancers that may still be billed are said, not counted as cleaned.
    for (const l of res.possibleLeaks ?? []) err(`possible leak: ${l.kind} ${l.name}: ${l.error}`);
    emitResult(input, {
      envId,
      runId: d.runId,
      tornDown: true,
      run: st?.runStatus ?? null,
      cleaned: res.cleaned,
      ...(res.possibleLeaks?.length ? { possibleLeaks: res.possibleLeaks } : {}),
    });
    return 0;
  } finally {
    await close();
  }
}

/** `gkeflow list [--json]`: environments known to Temporal, newest first. */
export async function listCommand(input: CommandInput): Promise<void> {
  const { flags, out } = input;
  const cfg = temporalConfig();
  const { client, close } = await connectClient(cfg);
  try {
    const rows: Array<{ envId: string; status: string; phase: string; started: string }> = [];
    for await (const wf of client.workflow.list({ query: `WorkflowType = '${ENVIRONMENT_WORKFLOW}'` })) {
      const phase = wf.searchAttributes?.[SEARCH_ATTRIBUTES.phase.name]?.[0];
      rows.push({
        envId: wf.workflowId,
        status: wf.status.name.toLowerCase(),
        phase: typeof phase === 'string' ? phase : '-',
        started: wf.startTime.toISOString(),
      });
    }
    if (input.output?.machine) return emitResult(input, rows);
    if (flags.json) return out(JSON.stringify(rows, null, 2));
    if (!rows.length) return out('no environments');
    const w = Math.max(...rows.map((r) => r.envId.length), 11) + 2;
    out(`${'ENVIRONMENT'.padEnd(w)}${'RUN'.padEnd(12)}${'PHASE'.padEnd(14)}STARTED`);
    for (const r of rows) out(`${r.envId.padEnd(w)}${r.status.padEnd(12)}${r.phase.padEnd(14)}${r.started}`);
  } finally {
    await close();
  }
}

/** Renders and pushes the spec's app (see src/bundle/prepare.ts); the spec returned names its bundle. */
async function pushApp(spec: EnvironmentSpec, file: string, err: (l: string) => void): Promise<EnvironmentSpec> {
  const config = targetConfigFromEnv({ ...process.env, GKEFLOW_TARGET: spec.target });
  const ready = await prepareApp(spec, file, config, toolchainRenderDeps(err));
  err(`pushed the app's bundle: ${ready.app?.bundle}`);
  return ready;
}

/** How long `up` waits for a running environment to answer its spec query before attaching without comparing. */
const SPEC_QUERY_MS = 10_000;

/**
 * `up` on a running environment of gkeflow's own Deployment and Service: an unchanged spec
 * attaches; a changed one is printed, then refused (exit 2 naming each field, nothing sent),
 * as such an environment is not updated in place (docs/app.md).
 */
async function refuseOwnWorkloadChange(
  client: Client,
  envId: string,
  spec: EnvironmentSpec,
  file: string,
  err: (l: string) => void,
): Promise<void> {
  // The query needs a worker; with none answering, attach as before rather than fail the attach.
  const handle = await envHandle(client, envId);
  const running = await client.connection
    .withDeadline(Date.now() + SPEC_QUERY_MS, () => handle.query(specQuery))
    .catch((e: unknown) => {
      err(
        `warning: could not read the running spec to compare (${(e as Error).message.split('\n')[0]}); ` +
          'attached without comparing (no worker answering?)',
      );
      return undefined;
    });
  if (!running) return;
  const problems = running.app ? fixedFieldProblems(running, spec) : ownWorkloadProblems(running, spec);
  if (!problems.length) return;
  err('changes:');
  for (const c of specChanges(running, spec)) err(`  ${c.path}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`);
  throw new SpecValidationError(problems, file);
}

/**
 * `up` on a running app environment: print what changes, refuse what an update cannot change
 * (exit 2 naming the field, nothing sent), else apply it through the `apply` update. Undefined:
 * nothing changed, carry on as an attach.
 */
async function updateRunning(
  client: Client,
  envId: string,
  spec: EnvironmentSpec,
  file: string,
  out: (l: string) => void,
  err: (l: string) => void,
): Promise<number | undefined> {
  const h = await envHandle(client, envId);
  const running = await h.query(specQuery);
  const changes = specChanges(running, spec);
  if (changes.length === 0) {
    err('the running environment already has this spec: nothing to update');
    return undefined;
  }
  err('changes:');
  for (const c of changes) err(`  ${c.path}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`);
  const fixed = fixedFieldProblems(running, spec);
  if (fixed.length) throw new SpecValidationError(fixed, file);
  const r = await h.executeUpdate(applySpecUpdate, { args: [{ spec }] });
  err(`applied ${r.applied.length} objects${r.pruned.length ? `, pruned ${r.pruned.join(', ')}` : ''}`);
  out(r.endpoint ?? envId);
  return 0;
}
