/**
 * `gkeflow reap`: one reaper run now, its report as a table (or JSON). Also the flag parsing the
 * reaper shares with `schedule create`: every problem is reported at once, each naming its flag.
 */
import { projectsFromEnv } from '../../activities/reaper';
import { UsageError } from '../../errors';
import { parseDuration } from '../../spec/names';
import { connectClient, taskQueueFor, temporalConfig, type TemporalConfig } from '../../temporal/connection';
import { runReaperNow } from '../../temporal/schedules';
import type { ReaperInput, ReapReport } from '../../workflows/reaper';
import type { ReapEntry } from '../../workflows/reaper/plan';
import type { CommandInput } from '../table';

type Flags = CommandInput['flags'];

/** The task queue reaper runs go to: that of the worker's target (GKEFLOW_TARGET, default local). */
export const reaperTaskQueue = (cfg: TemporalConfig, env: NodeJS.ProcessEnv = process.env) =>
  taskQueueFor(env.GKEFLOW_TARGET === 'gcp' ? 'gcp' : 'local', cfg);

const PROJECT_RE = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
const LOCATION_RE = /^([a-z]+-[a-z]+[0-9]+(-[a-z])?|-)$/;

/** The reaper input of `--project`, `--location`, `--orphan-grace`, `--dry-run`; problems are pushed to `problems`. */
export function reaperInputFromFlags(
  flags: Flags,
  problems: string[],
  env: NodeJS.ProcessEnv = process.env,
): ReaperInput {
  const projects = ([] as unknown[]).concat(flags.project ?? []).map(String);
  for (const p of projects)
    if (!PROJECT_RE.test(p)) problems.push(`--project '${p}': not a GCP project id (6–30 of a-z, 0-9, -)`);
  const location = flags.location === undefined ? '-' : String(flags.location);
  if (!LOCATION_RE.test(location))
    problems.push(`--location '${location}': expected a zone (us-central1-a), a region (us-central1) or - for all`);
  const input: ReaperInput = { locations: [location], dryRun: flags['dry-run'] === true };
  if (projects.length) input.projects = projects;
  else if (projectsFromEnv(env).length) input.extraProjects = projectsFromEnv(env);
  if (flags['orphan-grace'] !== undefined) {
    const ms = parseDuration(String(flags['orphan-grace']));
    if (ms === undefined)
      problems.push(`--orphan-grace '${String(flags['orphan-grace'])}': expected a duration like 30m, 2h, 1h30m, 0s`);
    else input.orphanGraceMs = ms;
  }
  return input;
}

/** Throws one UsageError listing every problem, when there are any. */
export function throwProblems(command: string, problems: string[]): void {
  if (problems.length) throw new UsageError(`${command}: ${problems.join('; ')}`);
}

/** The report as a table: one row per cluster (or repository leftover) deleted, planned, failed or skipped. */
export function reportTable(r: ReapReport): string[] {
  const rows: Array<[string, ReapEntry & { cause?: string }]> = [
    ...r.deleted.map((e): [string, ReapEntry] => [e.via === 'environment-workflow' ? 'ended' : 'deleted', e]),
    ...(r.kept ?? []).map((e): [string, ReapEntry] => ['kept', e]),
    ...r.planned.map((e): [string, ReapEntry] => [e.via === 'environment-workflow' ? 'would end' : 'would delete', e]),
    ...r.failed.map((e): [string, ReapEntry & { cause: string }] => ['failed', e]),
    ...r.skipped.map((e): [string, ReapEntry] => ['skipped', e]),
  ];
  const w = Math.max(10, ...rows.map(([, e]) => e.envId.length)) + 2;
  return [
    `${'ACTION'.padEnd(14)}${'ENVIRONMENT'.padEnd(w)}WHY`,
    ...rows.map(
      ([a, e]) =>
        `${a.padEnd(14)}${e.envId.padEnd(w)}${e.cause ?? e.reason}${e.repository ? ` (repository ${e.repository})` : ''}` +
        (e.repositoryKept ? `; repository kept: ${e.repositoryKept}` : ''),
    ),
    '',
    `${r.scanned} clusters${r.scannedRepositories === undefined ? '' : ` and ${r.scannedRepositories} repositories`} in ${r.projects.join(', ') || 'no project'} (${r.locations.join(', ')}): ` +
      (r.dryRun ? `${r.planned.length} would go (dry run, nothing deleted)` : `${r.deleted.length} deleted`) +
      (r.kept?.length ? `, ${r.kept.length} kept` : '') +
      `, ${r.skipped.length} skipped, ${r.failed.length} failed`,
  ];
}

/** `gkeflow reap [--dry-run] [--project P]… [--location L] [--orphan-grace D] [--json]`. Exit 1 when a teardown failed. */
export async function reapCommand({ flags, out, err }: CommandInput): Promise<number> {
  const problems: string[] = [];
  const input = reaperInputFromFlags(flags, problems);
  throwProblems('reap', problems);
  const cfg = temporalConfig();
  const { client, close } = await connectClient(cfg);
  try {
    const { workflowId, report } = await runReaperNow(client, reaperTaskQueue(cfg), input);
    err(`reaper run ${workflowId}`);
    if (flags.json) out(JSON.stringify(report, null, 2));
    else reportTable(report).forEach((l) => out(l));
    return report.failed.length ? 1 : 0;
  } finally {
    await close();
  }
}
