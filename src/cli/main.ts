import { parseArgs } from 'node:util';
import { CliError, UsageError } from '../config/errors';
import { exitStatusOf } from '../contract/error-codes';
import { SpecValidationError } from '../envspec/validate';
import { packageVersion } from '../paths';
import type { CommandDef } from './command';
import { COMMANDS } from './registry';

const out = (l: string): void => {
  process.stdout.write(`${l}\n`);
};
const err = (l: string): void => {
  process.stderr.write(`${l}\n`);
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
    'Global flag: --profile NAME selects a Temporal profile (TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE).',
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

/** Runs the CLI and returns the exit code; the only place errors become exit codes. */
export async function main(argv: string[]): Promise<number> {
  try {
    argv = takeProfile(argv);
  } catch (e) {
    err(`gkeflow: ${(e as Error).message} [GKF-USAGE]`);
    return exitStatusOf('GKF-USAGE');
  }
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    out(topHelp());
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version') {
    out(packageVersion());
    return 0;
  }
  const { def, rest } = select(argv);
  try {
    if (!def) {
      const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
      if (group.length && (argv.length === 1 || argv[1] === '--help')) {
        out(group.map((c) => `  ${c.usage.padEnd(60)} ${c.summary}`).join('\n'));
        return argv.length === 1 ? 2 : 0;
      }
      throw new UsageError(
        `unknown command '${argv.slice(0, group.length ? 2 : 1).join(' ')}'; run 'gkeflow --help' for the list`,
      );
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      out(cmdHelp(def));
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: def.options, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError(
        `${def.name}: ${(e as Error).message.replace(/\. To specify.*$/s, '')}; usage: ${def.usage}`,
      );
    }
    const [min, max] = def.positionals;
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw new UsageError(
        `${def.name}: expected ${min === max ? min : `${min} to ${max}`} argument(s), got ${parsed.positionals.length}; usage: ${def.usage}`,
      );
    }
    const fn = await def.load();
    const code = await fn({
      flags: parsed.values as Record<string, string | boolean | undefined>,
      args: parsed.positionals,
      out,
      err,
    });
    return typeof code === 'number' ? code : 0;
  } catch (e) {
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
