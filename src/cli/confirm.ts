/**
 * Asking before deleting (`down`, `reap`): on a terminal the command names what goes and waits
 * for "y"; `--yes` skips the question; with no terminal to ask on and no `--yes`, the command
 * refuses (exit 2) before it touches anything, as a deletion fails closed.
 */
import readline from 'node:readline';
import { UsageError } from '../config/errors';
import type { CommandInput } from './command';

/** Where the question is asked: a terminal (stdin and stderr both TTYs), or nowhere. */
export interface Asker {
  tty: boolean;
  /** Prints the question and returns the answer line. */
  ask(question: string): Promise<string>;
}

/** The process's terminal: the question on stderr (stdout stays for results), the answer from stdin. */
export function terminalAsker(): Asker {
  return {
    tty: !!process.stdin.isTTY && !!process.stderr.isTTY,
    ask: (question) =>
      new Promise((resolve) => {
        const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
        rl.question(question, (answer) => {
          resolve(answer); // before close: its listener answers '' (stdin ended without a line)
          rl.close();
        });
        rl.once('close', () => resolve(''));
      }),
  };
}

/** Refuses up front (exit 2, nothing touched) when there is neither `--yes` nor a terminal to ask on. */
export function requireConsent(flags: CommandInput['flags'], command: string, asker: Asker): void {
  if (flags.yes === true || asker.tty) return;
  throw new UsageError(
    `--yes: ${command} deletes and there is no terminal to ask on; pass --yes to confirm (nothing was deleted)`,
  );
}

/**
 * Asks "Delete …? [y/N]" naming each thing that goes; anything but y/yes declines (exit 2,
 * nothing deleted). A no-op with `--yes`.
 */
export async function confirmDeletion(flags: CommandInput['flags'], asker: Asker, what: string[]): Promise<void> {
  if (flags.yes === true) return;
  requireConsent(flags, 'this', asker);
  const answer = await asker.ask(`This deletes:\n${what.map((w) => `  - ${w}`).join('\n')}\nDelete? [y/N] `);
  if (!/^y(es)?$/i.test(answer.trim())) throw new UsageError('not confirmed; nothing was deleted');
}
