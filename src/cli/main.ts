import { parseArgs } from 'node:util';
import { CliError, UsageError } from '../config/errors';
import { exitStatusOf } from '../contract/error-codes';
import { SpecValidationError } from '../envspec/validate';
import { packageVersion } from '../paths';
import type { CommandDef } from './command';
import { GLOBAL_FLAGS } from './global-flags';
import {
  createOutput,
  errorDocument,
  finishDocument,
  renderDocument,
  takeOutputMode,
  temporalRefusal,
  type OutputMode,
} from './output';
import { COMMANDS } from './registry';
import { didYouMean } from './suggest';

/** Where the runner writes: the process's streams, or a test's collectors. */
export interface MainIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

const processIo: MainIo = {
  stdout: (l) => process.stdout.write(`${l}\n`),
  stderr: (l) => process.stderr.write(`${l}\n`),
};

function topHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'gkeflow — durable, visible, self-cleaning GKE environments on Temporal',
    '',
    'Usage: gkeflow <command> [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}${c.summary}`),
    '',
    'Global flags:',
    ...GLOBAL_FLAGS.map((g) => `  ${g.usage.padEnd(22)}${g.summary}`),
    'Run `gkeflow <command> --help` for a command. Exit codes: 0 ok, 1 the run failed, 2 bad input.',
  ].join('\n');
}

const cmdHelp = (c: CommandDef) => [`Usage: ${c.usage}`, '', c.summary, ...(c.help ? ['', c.help] : [])].join('\n');

/** Picks the longest command name matching the leading words. */
function select(argv: string[]): { def?: CommandDef; rest: string[] } {
  for (const n of [2, 1]) {
    const words = argv.slice(0, n).join(' ');
    const def = COMMANDS.find((c) => c.name === words);
    if (def) return { def, rest: argv.slice(n) };
  }
  return { rest: argv };
}

/**
 * Takes the global `--profile NAME` (a Temporal environment-configuration profile, as the
 * `temporal` CLI's) out of argv; it selects the profile as TEMPORAL_PROFILE does.
 */
function takeProfile(argv: string[]): string[] {
  const i = argv.findIndex((a) => a === '--profile' || a.startsWith('--profile='));
  if (i < 0) return argv;
  const inline = argv[i]!.startsWith('--profile=');
  const name = inline ? argv[i]!.slice('--profile='.length) : argv[i + 1];
  if (!name || name.startsWith('-')) throw new UsageError('--profile: needs a profile name');
  process.env.TEMPORAL_PROFILE = name;
  return [...argv.slice(0, i), ...argv.slice(i + (inline ? 1 : 2))];
}

/** The usage error for words that select no command, with the nearest command when one is close. */
function unknownCommand(argv: string[]): UsageError {
  const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
  const words = argv.slice(0, group.length ? 2 : 1).join(' ');
  const known = group.length ? group.map((c) => c.name) : [...new Set(COMMANDS.map((c) => c.name.split(' ')[0]!))];
  return new UsageError(`unknown command '${words}'${didYouMean(words, known)}; run 'gkeflow --help' for the list`);
}

/** parseArgs' message as one usage line, with the nearest flag of the command when one is close. */
function flagError(def: CommandDef, e: Error): UsageError {
  const message = e.message.replace(/\. To specify.*$/s, '');
  const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
  const known = [...Object.keys(def.options).map((k) => `--${k}`), ...GLOBAL_FLAGS.map((g) => g.flag)];
  const hint = unknown ? didYouMean(unknown, known) : '';
  return new UsageError(`${def.name}: ${message}${hint}; usage: ${def.usage}`);
}

/** Runs one command's argv (global flags already taken out) and returns its exit code. */
async function dispatch(argv: string[], io: MainIo, mode: OutputMode, run: ReturnType<typeof createOutput>) {
  const { def, rest } = select(argv);
  if (!def) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
    if (group.length && argv.length === 1 && run.machine)
      throw new UsageError(`'${argv[0]}' needs one of: ${group.map((c) => c.name.split(' ')[1]).join(', ')}`);
    if (group.length && (argv.length === 1 || argv[1] === '--help')) {
      io.stdout(group.map((c) => `  ${c.usage.padEnd(60)} ${c.summary}`).join('\n'));
      return argv.length === 1 ? 2 : 0;
    }
    throw unknownCommand(argv);
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(cmdHelp(def));
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: def.options, allowPositionals: true, strict: true });
  } catch (e) {
    throw flagError(def, e as Error);
  }
  const [min, max] = def.positionals;
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    throw new UsageError(
      `${def.name}: expected ${min === max ? min : `${min} to ${max}`} argument(s), got ${parsed.positionals.length}; usage: ${def.usage}`,
    );
  }
  const flags = parsed.values as Record<string, string | boolean | string[] | undefined>;
  // Commands written before --output read flags.json; it stays true in json mode.
  if (mode !== 'text') flags.json = true;
  const fn = await def.load();
  const code = await fn({
    flags,
    args: parsed.positionals,
    out: run.machine
      ? (l) => {
          run.textLines.push(l);
        }
      : io.stdout,
    err: io.stderr,
    output: run,
    commands: COMMANDS,
  });
  return typeof code === 'number' ? code : 0;
}

/** The text form of a thrown error on stderr: one `gkeflow: … [CODE]` line (a spec's problems follow). */
function reportError(e: unknown, err: (l: string) => void): number {
  if (e instanceof SpecValidationError) {
    err(`gkeflow: invalid spec ${e.message.replace(/:\n/, ' [GKF-SPEC-INVALID]:\n')}`);
    return exitStatusOf('GKF-SPEC-INVALID');
  }
  if (e instanceof CliError) {
    err(`gkeflow: ${e.message} [${e.code}]`);
    return e.exitCode;
  }
  err(`gkeflow: unexpected error: ${(e as Error).stack ?? String(e)}`);
  return 1;
}

/**
 * Runs the CLI and returns the exit code; the only place errors become exit codes, and the only
 * place stdout is written in json/jsonl mode (one document: the command's result or its error).
 */
export async function main(argv: string[], io: MainIo = processIo): Promise<number> {
  let mode: OutputMode = 'text';
  let lastErr: string | undefined;
  const stderr = (l: string) => {
    lastErr = l;
    io.stderr(l);
  };
  try {
    const taken = takeOutputMode(argv);
    mode = taken.mode;
    argv = takeProfile(taken.argv);
  } catch (e) {
    mode = (e as { mode?: OutputMode }).mode ?? mode;
    const code = reportError(e, stderr);
    if (mode !== 'text') io.stdout(renderDocument(mode, errorDocument(e).doc));
    return code;
  }
  if (argv[0] === '--version' || argv[0] === '-V') {
    if (mode === 'text') io.stdout(packageVersion());
    else io.stdout(renderDocument(mode, { version: packageVersion() }));
    return 0;
  }
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(topHelp());
    return argv.length === 0 ? 2 : 0;
  }
  const run = createOutput(mode, io.stdout);
  let code: number;
  try {
    code = await dispatch(argv, { stdout: io.stdout, stderr }, mode, run);
  } catch (thrown) {
    const e = (await temporalRefusal(thrown)) ?? thrown;
    code = reportError(e, stderr);
    if (mode !== 'text') io.stdout(renderDocument(mode, errorDocument(e).doc));
    return code;
  }
  if (mode !== 'text') io.stdout(renderDocument(mode, finishDocument(run, code, lastErr)));
  return code;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
