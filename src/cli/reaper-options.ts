/**
 * The reaper's options as `reap` and `schedule create` read them from their flags: every problem
 * is reported at once, each naming its flag; and the task queue its runs go to.
 */
import { projectsFromEnv } from '../activities/reaper';
import { parseDuration } from '../envspec/names';
import { taskQueueFor, type TemporalConfig } from '../temporal/connection';
import type { ReaperInput } from '../workflows/reaper';
import type { CommandInput } from './command';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { CliError } from '../config/errors';

type Flags = CommandInput['flags'];

/** The target whose worker runs the reaper: `--target`, else GKEFLOW_TARGET, else local. */
export function reaperTarget(flags: Flags, problems: string[], env: NodeJS.ProcessEnv = process.env): 'local' | 'gcp' {
  const t = flags.target === undefined ? (env.GKEFLOW_TARGET ?? 'local') : String(flags.target);
  if (t === 'local' || t === 'gcp') return t;
  problems.push(`--target '${t}': expected local or gcp`);
  return 'local';
}

/** The task queue reaper runs go to: that of the target's worker (`--target`, GKEFLOW_TARGET, default local). */
export const reaperTaskQueue = (cfg: TemporalConfig, target: 'local' | 'gcp' = 'local') => taskQueueFor(target, cfg);

/**
 * Fails (GKF-NO-WORKER) unless a worker polls the task queue's workflow tasks
 * (DescribeTaskQueue): a run or schedule on a queue nobody polls would wait forever, and with
 * overlap SKIP a schedule would skip every later run behind it.
 */
export async function requireWorker(client: Client, taskQueue: string): Promise<void> {
  const res = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  if ((res.pollers ?? []).length === 0)
    throw new CliError(
      `no worker polls task queue '${taskQueue}': start 'gkeflow worker' for that target, or pass --target`,
      'GKF-NO-WORKER',
    );
}

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
  // On gcp the projects are named, and so kept in the run's (the schedule's) input forever: projects
  // known only from visibility vanish with retention, and local examples' projects are not GCP's.
  if (reaperTarget(flags, [], env) === 'gcp' && projects.length === 0)
    problems.push('--project: required with --target gcp (the projects to reap are kept in the schedule, not guessed)');
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
