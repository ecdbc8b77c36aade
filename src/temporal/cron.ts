/**
 * Cron expressions as Temporal's Schedules accept them (ScheduleSpec.cronExpressions, the server's
 * parseCronString): 5 fields (minute hour day-of-month month day-of-week), 6 (+ year) or 7
 * (second first, + year); `*`, `?`, values, names (jan, mon), ranges, lists and /steps; the
 * @hourly-style macros and `@every 1h[/15m]`; an optional `CRON_TZ=`/`TZ=` prefix and `# comment`.
 * Checked here so bad input is exit 2 before anything is created; the server stays the last judge.
 */

const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
}
const SECOND: Field = { name: 'second', min: 0, max: 59 };
const YEAR: Field = { name: 'year', min: 1970, max: 2999 };
const FIVE: Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 0, max: 7, names: DAYS },
];

/** A field's value: a number in range or a name (3 letters or the full name, any case). */
function value(f: Field, v: string): number | undefined {
  const lower = v.toLowerCase();
  const n = f.names?.findIndex((x) => lower.length >= 3 && x.startsWith(lower.slice(0, 3)) && /^[a-z]+$/.test(lower));
  const x = n !== undefined && n >= 0 ? n + (f.min === 1 ? 1 : 0) : /^\d+$/.test(v) ? Number(v) : NaN;
  return x >= f.min && x <= f.max ? x : undefined;
}

function fieldProblem(f: Field, text: string, position: number): string | undefined {
  for (const part of text.split(',')) {
    const m = /^(\*|\?|([a-z0-9]+)(-([a-z0-9]+))?)(\/(\d+))?$/i.exec(part);
    const ok =
      m &&
      (m[1] === '*' ||
        m[1] === '?' ||
        (value(f, m[2]!) !== undefined && (m[4] === undefined || value(f, m[4]) !== undefined))) &&
      (m[6] === undefined || Number(m[6]) > 0);
    if (!ok)
      return `field ${position} '${part}' (${f.name}) is not a value in ${f.min}–${f.max}, a range, a list, * or ? or a /step`;
  }
  return undefined;
}

const EVERY_RE = /^@every\s+(\d+[smhd])+(\/(\d+[smhd])+)?$/;

/** Why a cron expression is one Temporal would refuse, or undefined when it takes it. */
export function cronProblem(expr: string): string | undefined {
  let c = expr.trim().replace(/^(CRON_TZ|TZ)=\S+\s+/, '');
  const hash = c.indexOf('#');
  if (hash >= 0) c = c.slice(0, hash).trim();
  if (MACROS.includes(c)) return undefined;
  if (c.startsWith('@every')) return EVERY_RE.test(c) ? undefined : `'${c}': expected @every 1h or @every 1h/15m`;
  const fields = c.split(/\s+/).filter(Boolean);
  const layout =
    fields.length === 5
      ? FIVE
      : fields.length === 6
        ? [...FIVE, YEAR]
        : fields.length === 7
          ? [SECOND, ...FIVE, YEAR]
          : undefined;
  if (!layout)
    return (
      `expected 5 fields (minute hour day-of-month month day-of-week), 6 (+ year) or 7 (second first, + year), ` +
      `or ${MACROS.join('|')} or @every, got ${fields.length}`
    );
  for (const [i, f] of fields.entries()) {
    const p = fieldProblem(layout[i]!, f, i + 1);
    if (p) return p;
  }
  return undefined;
}
