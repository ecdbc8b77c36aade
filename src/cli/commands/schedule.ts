/**
 * `gkeflow schedule create|ls|describe|pause|unpause|trigger|rm`: reaper schedules on Temporal's
 * Schedules API. Bad input (a malformed duration or cron, a missing or doubled timing, an unknown
 * time zone or schedule) is exit 2 and creates nothing.
 */
import { parseDuration } from '../../envspec/names';
import { cronProblem } from '../../temporal/cron';
import { connectClient, temporalConfig } from '../../temporal/connection';
import {
  changeSchedule,
  createReaperSchedule,
  describeSchedule,
  listReaperSchedules,
  type ScheduleTiming,
} from '../../temporal/schedules';
import { requireSearchAttributes } from '../../temporal/search-attributes';
import type { CommandInput } from '../command';
import { emitResult, machineMode } from '../output';
import { throwProblems } from '../flags';
import { reaperInputFromFlags, reaperTarget, reaperTaskQueue, requireWorker } from '../reaper-options';

const NAME_RE = /^[a-z][-a-z0-9]{0,62}$/;
/** The timing of `--every` / `--cron` / `--timezone`; problems are pushed, each naming its flag. */
export function timingFromFlags(flags: CommandInput['flags'], problems: string[]): ScheduleTiming {
  const every = flags.every === undefined ? undefined : String(flags.every);
  const cron = flags.cron === undefined ? undefined : String(flags.cron);
  const t: ScheduleTiming = {};
  if (every === undefined && cron === undefined) problems.push('one of --every DURATION or --cron EXPR is required');
  if (every !== undefined && cron !== undefined) problems.push('--every and --cron: give one, not both');
  if (every !== undefined) {
    const ms = parseDuration(every);
    if (!ms) problems.push(`--every '${every}': expected a positive duration like 30s, 15m, 1h, 1d`);
    else t.everyMs = ms;
  }
  if (cron !== undefined) {
    const p = cronProblem(cron);
    if (p) problems.push(`--cron '${cron}': ${p}`);
    else t.cron = cron.trim();
  }
  if (flags.timezone !== undefined) {
    const tz = String(flags.timezone);
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      t.timezone = tz;
    } catch {
      problems.push(`--timezone '${tz}': not an IANA time zone (e.g. Europe/Berlin, UTC)`);
    }
  }
  return t;
}

async function withClient<T>(fn: (c: Awaited<ReturnType<typeof connectClient>>['client']) => Promise<T>): Promise<T> {
  const { client, close } = await connectClient(temporalConfig());
  try {
    return await fn(client);
  } finally {
    await close();
  }
}

/** `gkeflow schedule create NAME (--every D | --cron EXPR) [--project P]… [--location L] [--orphan-grace D] [--dry-run] [--timezone TZ]`. */
export async function createCommand(input: CommandInput): Promise<void> {
  const { flags, args, out } = input;
  const name = args[0]!;
  const problems: string[] = [];
  if (!NAME_RE.test(name)) problems.push(`NAME '${name}': lower-case letters, digits and -, starting with a letter`);
  const timing = timingFromFlags(flags, problems);
  const input_ = reaperInputFromFlags(flags, problems);
  const target = reaperTarget(flags, problems);
  throwProblems('schedule create', problems);
  await withClient(async (client) => {
    await requireSearchAttributes(client.connection, client.options.namespace); // the reaper queries them
    const taskQueue = reaperTaskQueue(temporalConfig(), target);
    await requireWorker(client, taskQueue);
    await createReaperSchedule(client, { name, taskQueue, input: input_, ...timing });
    out(`created schedule ${name} (${timing.everyMs ? `every ${String(flags.every)}` : `cron ${timing.cron}`})`);
    emitResult(input, { name, created: true, taskQueue, ...timing, input: input_ });
  });
}

/** `gkeflow schedule ls [--json]`. */
export async function lsCommand(input: CommandInput): Promise<void> {
  const { flags, out } = input;
  const rows = await withClient(listReaperSchedules);
  if (machineMode(input)) return emitResult(input, rows);
  if (flags.json) return out(JSON.stringify(rows, null, 2));
  if (rows.length === 0) return out('no reaper schedules');
  const w = Math.max(...rows.map((r) => r.name.length)) + 2;
  const s = Math.max(...rows.map((r) => r.spec.length)) + 2;
  out(`${'NAME'.padEnd(w)}${'STATE'.padEnd(9)}${'WHEN'.padEnd(s)}${'NEXT RUN'.padEnd(26)}LAST RUN`);
  for (const r of rows)
    out(
      `${r.name.padEnd(w)}${(r.paused ? 'paused' : 'active').padEnd(9)}${r.spec.padEnd(s)}${(r.next ?? '-').padEnd(26)}${r.lastRun ?? '-'}`,
    );
}

/** `gkeflow schedule describe NAME`: the schedule as JSON. */
export async function describeCommand(input: CommandInput): Promise<void> {
  const doc = await withClient((c) => describeSchedule(c, input.args[0]!));
  if (machineMode(input)) return emitResult(input, doc);
  input.out(JSON.stringify(doc, null, 2));
}

const change =
  (what: 'pause' | 'unpause' | 'trigger' | 'delete', done: string) =>
  async (input: CommandInput): Promise<void> => {
    const name = input.args[0]!;
    await withClient((c) => changeSchedule(c, name, what));
    input.out(`${done} schedule ${name}`);
    emitResult(input, { name, [done]: true });
  };

export const pauseCommand = change('pause', 'paused');
export const unpauseCommand = change('unpause', 'unpaused');
export const triggerCommand = change('trigger', 'triggered');
export const rmCommand = change('delete', 'removed');
