/**
 * The reaper's options as `reap` and `schedule create` read them from their flags: every problem
 * is reported at once, each naming its flag; and the task queue its runs go to.
 */
import { projectsFromEnv } from '../activities/reaper';
import { parseDuration } from '../envspec/names';
import { taskQueueFor, type TemporalConfig } from '../temporal/connection';
import type { ReaperInput } from '../workflows/reaper';
import type { CommandInput } from './command';

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
