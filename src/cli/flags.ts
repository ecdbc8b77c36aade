/**
 * Flags several commands share, each checked where it is read: a bad value is a UsageError
 * (exit 2) naming the flag, before anything is started.
 */
import { UsageError } from '../config/errors';
import { loadSpecFile, parseOverride, type EnvironmentSpec, type SpecOverride } from '../envspec';
import { parseDuration } from '../envspec/names';
import { ttlProblem } from '../envspec/schema';
import type { CommandInput } from './command';

/** `-f FILE` is required by every spec-taking command. */
export function specFlag(flags: CommandInput['flags']): string {
  const f = flags.file;
  if (typeof f !== 'string' || f === '')
    throw new UsageError('-f/--file: a spec file is required (e.g. -f examples/tensorflow-notebook.yaml)');
  return f;
}

const many = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

/**
 * The spec of `-f FILE|-` with its parameters: `--env-subst` (`${VAR}` from the environment),
 * then each `--set path=value` (typed as YAML) and `--set-string path=value`, in that order.
 * A malformed --set is exit 2 naming it; the result goes through the spec's own rules.
 */
export function specFromFlags(flags: CommandInput['flags']): EnvironmentSpec {
  const file = specFlag(flags);
  const problems: string[] = [];
  const overrides: SpecOverride[] = [];
  for (const [list, asString] of [
    [many(flags.set), false],
    [many(flags['set-string']), true],
  ] as const)
    for (const text of list) {
      const o = parseOverride(text, asString);
      if (typeof o === 'string') problems.push(o);
      else overrides.push(o);
    }
  throwProblems('spec parameters', problems);
  return loadSpecFile(file, { overrides, ...(flags['env-subst'] === true ? { env: process.env } : {}) });
}

/** A TTL flag's value, checked by the spec's own rule (exit 2 naming the flag). */
export function ttlFlag(v: unknown): string {
  if (typeof v !== 'string' || !v) throw new UsageError('--ttl: a duration is required (e.g. 2h, 1h30m, 7d)');
  const problem = ttlProblem(v);
  if (problem) throw new UsageError(`--ttl: ${problem}`);
  return v;
}

/** Throws one UsageError listing every problem, when there are any. */
export function throwProblems(command: string, problems: string[]): void {
  if (!problems.length) return;
  const flagOf = (p: string) => /^(-{1,2}[\w-]+|[A-Z]+\b)/.exec(p)?.[1] ?? '';
  throw new UsageError(
    `${command}: ${problems.join('; ')}`,
    'GKF-USAGE',
    problems.map((p) => ({ path: flagOf(p), message: p })),
  );
}

/** `--timeout DURATION` of a wait (`1.5h`, `90m`, `30s`), in ms; undefined when not given. */
export function timeoutFlag(flags: CommandInput['flags']): number | undefined {
  const v = flags.timeout;
  if (v === undefined) return undefined;
  const ms = typeof v === 'string' ? parseDuration(v) : undefined;
  if (!ms) throw new UsageError(`--timeout: expected a positive duration like 90s, 10m, 1.5h (got '${String(v)}')`);
  return ms;
}
