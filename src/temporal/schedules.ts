/**
 * Reaper schedules on Temporal's Schedules API (not a cron of our own): create, list, describe,
 * pause, unpause, trigger, delete; and one reaper run now. A schedule's runs never race: the
 * overlap policy skips a run while the previous one is still going.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleSpec,
} from '@temporalio/client';
import { UsageError } from '../config/errors';
import { installationOwner } from '../config/installation';
import { connectClient, temporalConfig } from './connection';
import type { ReaperInput, ReapReport } from '../workflows/reaper';

/** The workflow type a reaper schedule starts. */
export const REAPER_WORKFLOW = 'reaperWorkflow';
/** The schedule `stack up` creates for the local stack. */
export const STACK_REAPER_SCHEDULE = 'gkeflow-local-reaper';
/** Memo on every gkeflow reaper schedule, so `schedule ls` shows ours only. */
const MEMO = { gkeflow: 'reaper' };

/**
 * How long one reaper run may take (each continue-as-new run has its own): its teardowns are
 * abandoned children, so a run that times out leaves them running and the next run finds them.
 */
export const REAPER_RUN_TIMEOUT = '1h';

/**
 * The input with this installation's owner in the client's namespace (src/config/installation.ts),
 * unless it names one: the reaper judges only what its installation owns.
 */
export function ownedInput(client: Client, input: ReaperInput): ReaperInput {
  return input.owner ? input : { ...input, owner: installationOwner(client.options.namespace) };
}

/** When a schedule fires: every N ms, or a cron expression, in a time zone. */
export interface ScheduleTiming {
  everyMs?: number;
  cron?: string;
  timezone?: string;
}

/** What `schedule create` makes. */
export interface ReaperScheduleRequest extends ScheduleTiming {
  name: string;
  taskQueue: string;
  input: ReaperInput;
}

/** The Web UI summary of a reaper run with this input. */
export function reaperSummary(input: ReaperInput): string {
  const projects = input.projects?.length ? input.projects.join(', ') : 'known projects';
  const locations = input.locations?.length ? input.locations.join(', ') : 'all locations';
  return `Reaper${input.dryRun ? ' (dry run)' : ''}: expired and orphaned clusters in ${projects}, ${locations}`;
}

function scheduleSpec(t: ScheduleTiming): ScheduleSpec {
  return {
    ...(t.everyMs !== undefined ? { intervals: [{ every: t.everyMs }] } : { cronExpressions: [t.cron!] }),
    ...(t.timezone ? { timezone: t.timezone } : {}),
  };
}

const notFound = (name: string) =>
  new UsageError(`no schedule named '${name}' (see 'gkeflow schedule ls')`, 'GKF-SCHEDULE-NOT-FOUND');

/**
 * Creates a reaper schedule; a schedule of that name already existing is a usage error unless
 * `idempotent` (then it is left as it is and false is returned).
 */
export async function createReaperSchedule(
  client: Client,
  req: ReaperScheduleRequest,
  idempotent = false,
): Promise<boolean> {
  try {
    await client.schedule.create({
      scheduleId: req.name,
      spec: scheduleSpec(req),
      action: {
        type: 'startWorkflow',
        workflowType: REAPER_WORKFLOW,
        workflowId: `gkeflow-reaper/${req.name}`,
        taskQueue: req.taskQueue,
        args: [ownedInput(client, req.input)],
        staticSummary: reaperSummary(req.input),
        // One stuck run cannot wedge the schedule (SKIP would skip every later run behind it).
        workflowRunTimeout: REAPER_RUN_TIMEOUT,
      },
      // Two runs of one schedule never race: a run due while the last one is still going is skipped.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
      memo: MEMO,
    });
    return true;
  } catch (e) {
    if (e instanceof ScheduleAlreadyRunning) {
      if (idempotent) return false;
      throw new UsageError(
        `a schedule named '${req.name}' already exists (remove it first: gkeflow schedule rm ${req.name})`,
      );
    }
    // The server is the last judge of a cron expression or time zone.
    const err = e as { code?: number; cause?: { code?: number } };
    if ((err.code ?? err.cause?.code) === 3 /* INVALID_ARGUMENT */)
      throw new UsageError(`--cron/--timezone: ${(e as Error).message}`);
    throw e;
  }
}

/** One reaper schedule, as `schedule ls` shows it. */
export interface ScheduleLine {
  name: string;
  paused: boolean;
  spec: string;
  next?: string;
  lastRun?: string;
  note?: string;
}

/** 3600000 → `1h`, 90000 → `1m30s`: the duration grammar the flags take. */
function durationText(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  let rest = Math.round(ms / 1000) * 1000;
  const parts = units.flatMap(([u, n]) => {
    const k = Math.floor(rest / n);
    rest -= k * n;
    return k ? [`${k}${u}`] : [];
  });
  return parts.join('') || '0s';
}

const specText = (s: ScheduleSpec | undefined): string =>
  [
    ...(s?.intervals ?? []).map(
      (i) => `every ${typeof i.every === 'number' ? durationText(i.every) : String(i.every)}`,
    ),
    ...(s?.cronExpressions ?? []),
  ].join(', ') + (s?.timezone ? ` (${s.timezone})` : '');

/** The gkeflow reaper schedules. */
export async function listReaperSchedules(client: Client): Promise<ScheduleLine[]> {
  const out: ScheduleLine[] = [];
  for await (const s of client.schedule.list()) {
    if (s.action?.type !== 'startWorkflow' || s.action.workflowType !== REAPER_WORKFLOW) continue;
    const last = s.info.recentActions.at(-1);
    out.push({
      name: s.scheduleId,
      paused: s.state.paused,
      spec: specText(s.spec),
      ...(s.info.nextActionTimes[0] ? { next: s.info.nextActionTimes[0].toISOString() } : {}),
      ...(last ? { lastRun: last.takenAt.toISOString() } : {}),
      ...(s.state.note ? { note: s.state.note } : {}),
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** A schedule's handle after checking it exists; unknown names are a usage error (exit 2). */
async function existing(client: Client, name: string): Promise<{ desc: ScheduleDescription }> {
  try {
    return { desc: await client.schedule.getHandle(name).describe() };
  } catch (e) {
    if (e instanceof ScheduleNotFoundError) throw notFound(name);
    throw e;
  }
}

/** A schedule's description as plain JSON. */
export async function describeSchedule(client: Client, name: string) {
  const { desc } = await existing(client, name);
  const action = desc.action.type === 'startWorkflow' ? desc.action : undefined;
  return {
    name,
    paused: desc.state.paused,
    note: desc.state.note,
    spec: specText(desc.spec),
    overlap: String(desc.policies.overlap),
    workflowType: action?.workflowType,
    taskQueue: action?.taskQueue,
    input: action?.args?.[0] as ReaperInput | undefined,
    nextRuns: desc.info.nextActionTimes.map((t) => t.toISOString()),
    recentRuns: desc.info.recentActions.map((a) => ({
      at: a.takenAt.toISOString(),
      workflowId: a.action.workflow.workflowId,
      runId: a.action.workflow.firstExecutionRunId,
    })),
    runningNow: desc.info.runningActions.map((a) => a.workflow.workflowId),
  };
}

/** Pauses, unpauses, triggers or deletes a schedule; unknown names are a usage error. */
export async function changeSchedule(
  client: Client,
  name: string,
  what: 'pause' | 'unpause' | 'trigger' | 'delete',
): Promise<void> {
  await existing(client, name);
  const h = client.schedule.getHandle(name);
  const note = `${what}d by gkeflow`;
  if (what === 'pause') await h.pause(note);
  else if (what === 'unpause') await h.unpause(note);
  else if (what === 'trigger') await h.trigger();
  else await h.delete();
}

/** Runs the reaper once now and waits for its report. */
export async function runReaperNow(
  client: Client,
  taskQueue: string,
  input: ReaperInput,
): Promise<{ workflowId: string; report: ReapReport }> {
  const workflowId = `gkeflow-reap/${new Date().toISOString()}`;
  const h = await client.workflow.start(REAPER_WORKFLOW, {
    workflowId,
    taskQueue,
    args: [ownedInput(client, input)],
    staticSummary: reaperSummary(input),
    workflowRunTimeout: REAPER_RUN_TIMEOUT,
  });
  return { workflowId, report: (await h.result()) as ReapReport };
}

/** The local stack's hourly reaper of known projects in every location; created once. */
export function ensureStackReaper(client: Client, taskQueue: string): Promise<boolean> {
  return createReaperSchedule(client, { name: STACK_REAPER_SCHEDULE, taskQueue, everyMs: 3_600_000, input: {} }, true);
}

/**
 * What `stack up` calls once Temporal is healthy: the hourly reaper schedule of the local stack
 * (it shows on the Web UI's Schedules page). A failure is logged, not fatal: the stack still runs.
 */
export async function ensureLocalReaper(
  taskQueue: string,
  env: NodeJS.ProcessEnv | undefined,
  log: (l: string) => void,
): Promise<void> {
  try {
    const { client, close } = await connectClient(temporalConfig(env));
    try {
      const created = await ensureStackReaper(client, taskQueue);
      log(`reaper: schedule ${STACK_REAPER_SCHEDULE} (hourly) ${created ? 'created' : 'already there'}`);
    } finally {
      await close();
    }
  } catch (e) {
    log(`reaper: could not create schedule ${STACK_REAPER_SCHEDULE}: ${(e as Error).message}`);
  }
}
