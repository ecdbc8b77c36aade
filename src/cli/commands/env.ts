import { parseEnvId } from '../../contract/environment-id';
import { SEARCH_ATTRIBUTES } from '../../contract/labels';
import { loadSpecFile, SpecValidationError, validateSpec, type EnvironmentSpec } from '../../envspec';
import { connectClient, taskQueueFor, temporalConfig } from '../../temporal/connection';
import { workerPolling } from '../../stack/temporal-server';
import { envHandle, envStatus, resolveEnvId, startEnvironment, uiLink } from '../../temporal/environments';
import { preflightUp } from '../gke-preflight';
import { closedOutcome, followEnvironment, printStatus } from '../environment-view';
import type { CommandInput } from '../command';
import { applySpecUpdate, specQuery, teardownUpdate } from '../../contract/messages';
import { fixedFieldProblems, specChanges } from '../../envspec/spec-diff';
import type { Client } from '@temporalio/client';
import { ENVIRONMENT_WORKFLOW } from '../../contract/messages';
import { specFlag, ttlFlag } from '../flags';
import { prepareApp } from '../../bundle/prepare';
import { targetConfigFromEnv } from '../../clients/config';
import { ensureToolchain } from '../../toolchain/toolchain';
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

/** Status lines the shared printer does not know: time left and what the drift check found. */
function printLiveness(s: EnvironmentStatus, out: (l: string) => void): void {
  out(`  time left   ${timeLeft(s.expiresAt)}`);
  if (s.drift) out(`  drift       ${s.drift}`);
  if (s.checkedAt) out(`  checked     ${s.checkedAt}`);
}

/** The spec with `--ttl` applied when given (checked by the spec's rule; exit 2 naming the flag). */
function withTtl(spec: EnvironmentSpec, ttl: unknown): EnvironmentSpec {
  if (ttl === undefined) return spec;
  return validateSpec({ ...(JSON.parse(JSON.stringify(spec)) as EnvironmentSpec), ttl: ttlFlag(ttl) });
}

/** `gkeflow up -f SPEC [--wait]`: start the environment workflow, or attach to the open run. */
export async function upCommand({ flags, out, err }: CommandInput): Promise<number> {
  const file = specFlag(flags);
  const parsed = withTtl(loadSpecFile(file), flags.ttl); // invalid ⇒ exit 2 before anything is started
  await preflightUp(parsed, file, err); // a location GKE does not have ⇒ exit 2, still nothing started
  // An app is rendered here (a bad manifest ⇒ exit 2, nothing created) and travels by digest.
  const spec = parsed.app ? await pushApp(parsed, file, err) : parsed;
  const cfg = temporalConfig();
  const { client, close } = await connectClient(cfg);
  try {
    const s = await startEnvironment(client, cfg, spec);
    err(`${s.started ? 'started' : 'attached to'} ${s.envId} (run ${s.runId})`);
    err(`Web UI: ${s.uiLink}`);
    if (!s.started && spec.app) {
      const code = await updateRunning(client, s.envId, spec, file, out, err);
      if (code !== undefined) return code;
    }
    const queue = taskQueueFor(spec.target, cfg);
    if (!(await workerPolling(cfg.address, queue, undefined, cfg.namespace).catch(() => true))) {
      err(
        `warning: no worker polls task queue ${queue} yet; start one: ` +
          `${spec.target === 'gcp' ? 'GKEFLOW_TARGET=gcp ' : ''}npx gkeflow worker` +
          `${spec.target === 'local' ? ' (or npx gkeflow stack up)' : ''}`,
      );
    }
    if (!flags.wait) {
      out(s.envId);
      return 0;
    }
    return await followEnvironment(client, s.envId, spec, out, err);
  } finally {
    await close();
  }
}

/** `gkeflow status ENV [--json]`. */
export async function statusCommand({ flags, args, out }: CommandInput): Promise<number> {
  const cfg = temporalConfig();
  const { client, close } = await connectClient(cfg);
  try {
    const envId = await resolveEnvId(client, args[0]!);
    const st = await envStatus(client, envId);
    if (flags.json) {
      out(
        JSON.stringify(
          {
            envId,
            run: st.runStatus,
            runId: st.runId,
            ...st.status,
            ...(st.status
              ? { timeLeftSeconds: Math.max(0, Math.floor((Date.parse(st.status.expiresAt) - Date.now()) / 1000)) }
              : {}),
            uiLink: uiLink(cfg, envId, st.runId),
          },
          null,
          2,
        ),
      );
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
export async function downCommand({ flags, args, out, err }: CommandInput): Promise<number> {
  const cfg = temporalConfig();
  const { client, close } = await connectClient(cfg);
  try {
    const envId = await resolveEnvId(client, args[0]!);
    const h = await envHandle(client, envId);
    const d = await h.describe();
    if (d.status.name !== 'RUNNING') {
      err(`${envId} is not running (run ${d.status.name.toLowerCase()}); nothing to tear down`);
      return 0;
    }
    if (!flags.wait) {
      await h.startUpdate(teardownUpdate, { args: [{ reason: 'gkeflow down' }], waitForStage: 'ACCEPTED' });
      err(`teardown of ${envId} started; follow it with: npx gkeflow status ${parseEnvId(envId)?.cluster ?? envId}`);
      return 0;
    }
    err(`tearing down ${envId} …`);
    const res = await h.executeUpdate(teardownUpdate, { args: [{ reason: 'gkeflow down' }] });
    if (res.leftovers.length) {
      err(`could not clean: ${res.leftovers.map((l) => JSON.stringify(l)).join('; ')} (left labelled for the reaper)`);
      return 1;
    }
    await h.result().catch(() => undefined);
    const st = await envStatus(client, envId).catch(() => undefined);
    out(`${envId}: torn down${st ? ` (run ${st.runStatus.toLowerCase()})` : ''}`);
    return 0;
  } finally {
    await close();
  }
}

/** `gkeflow list [--json]`: environments known to Temporal, newest first. */
export async function listCommand({ flags, out }: CommandInput): Promise<void> {
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
  const kubectl = async () => (await ensureToolchain({ only: ['kubernetes'], log: err })).kubectl;
  const ready = await prepareApp(spec, file, config, { kubectl });
  err(`pushed the app's bundle: ${ready.app?.bundle}`);
  return ready;
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
