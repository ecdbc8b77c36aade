/**
 * `gkeflow schedule create|ls|describe|pause|unpause|trigger|rm`: reaper schedules on Temporal's
 * Schedules API. Bad input (a malformed duration or cron, a missing or doubled timing, an unknown
 * time zone or schedule) is exit 2 and creates nothing.
 */
import { parseDuration } from '../../envspec/names';
import { connectClient, temporalConfig } from '../../temporal/connection';
import {
  changeSchedule,
  createReaperSchedule,
  describeSchedule,
  listReaperSchedules,
  type ScheduleTiming,
} from '../../temporal/schedules';
import type { CommandInput } from '../command';
import { throwProblems } from '../flags';
import { reaperInputFromFlags, reaperTarget, reaperTaskQueue, requireWorker } from '../reaper-options';

const NAME_RE = /^[a-z][-a-z0-9]{0,62}$/;
const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
/** minute, hour, day of month, month, day of week: [min, max, names]. */
const FIELDS: Array<[number, number, string[]]> = [
  [0, 59, []],
  [0, 23, []],
  [1, 31, []],
  [1, 12, ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec']],
  [0, 7, ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']],
];

/** Why a 5-field cron expression (or @hourly-style macro) is malformed, or undefined when it is fine. */
export function cronProblem(expr: string): string | undefined {
  if (MACROS.includes(expr.trim())) return undefined;
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5)
    return `expected 5 fields (minute hour day-of-month month day-of-week) or ${MACROS.join('|')}, got ${fields.length}`;
  for (const [i, f] of fields.entries()) {
    const [min, max, names] = FIELDS[i]!;
    const value = (v: string): number | undefined => {
      const n = names.indexOf(v.toLowerCase());
      const x = n >= 0 ? n + (min === 1 ? 1 : 0) : /^\d+$/.test(v) ? Number(v) : NaN;
      return x >= min && x <= max ? x : undefined;
    };
    for (const part of f.split(',')) {
      const m = /^(\*|([a-z0-9]+)(-([a-z0-9]+))?)(\/(\d+))?$/i.exec(part);
      const ok =
        m &&
        (m[1] === '*' || (value(m[2]!) !== undefined && (m[4] === undefined || value(m[4]) !== undefined))) &&
        (m[6] === undefined || Number(m[6]) > 0);
      if (!ok) return `field ${i + 1} '${part}' is not a value in ${min}–${max}, a range, a list, * or a /step`;
    }
  }
  return undefined;
}

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
export async function createCommand({ flags, args, out }: CommandInput): Promise<void> {
  const name = args[0]!;
  const problems: string[] = [];
  if (!NAME_RE.test(name)) problems.push(`NAME '${name}': lower-case letters, digits and -, starting with a letter`);
  const timing = timingFromFlags(flags, problems);
  const input = reaperInputFromFlags(flags, problems);
  const target = reaperTarget(flags, problems);
  throwProblems('schedule create', problems);
  await withClient(async (client) => {
    const taskQueue = reaperTaskQueue(temporalConfig(), target);
    await requireWorker(client, taskQueue);
    await createReaperSchedule(client, { name, taskQueue, input, ...timing });
    out(`created schedule ${name} (${timing.everyMs ? `every ${String(flags.every)}` : `cron ${timing.cron}`})`);
  });
}

/** `gkeflow schedule ls [--json]`. */
export async function lsCommand({ flags, out }: CommandInput): Promise<void> {
  const rows = await withClient(listReaperSchedules);
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
export async function describeCommand({ args, out }: CommandInput): Promise<void> {
  out(JSON.stringify(await withClient((c) => describeSchedule(c, args[0]!)), null, 2));
}

const change =
  (what: 'pause' | 'unpause' | 'trigger' | 'delete', done: string) =>
  async ({ args, out }: CommandInput): Promise<void> => {
    await withClient((c) => changeSchedule(c, args[0]!, what));
    out(`${done} schedule ${args[0]}`);
  };

export const pauseCommand = change('pause', 'paused');
export const unpauseCommand = change('unpause', 'unpaused');
export const triggerCommand = change('trigger', 'triggered');
export const rmCommand = change('delete', 'removed');
