/**
 * The CLI reference as the README shows it: each command's usage line (as `--help` prints it)
 * followed by its summary, in the registry's order. A test keeps the README equal to it.
 */
import type { CommandDef } from './command';

/** The README's CLI block for these commands. */
export function cliReference(commands: readonly CommandDef[]): string {
  return commands.map((c) => `${c.usage}\n    ${c.summary}`).join('\n');
}
