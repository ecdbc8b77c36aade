/** `gkeflow completion bash|zsh|fish`: the shell's completion script, from the command registry. */
import { UsageError } from '../../config/errors';
import type { CommandInput } from '../command';
import { completionScript, SHELLS, type Shell } from '../completion';
import { emitResult } from '../output';

export async function completionCommand(input: CommandInput): Promise<void> {
  const shell = input.args[0] ?? '';
  if (!(SHELLS as readonly string[]).includes(shell))
    throw new UsageError(`SHELL: expected one of ${SHELLS.join(', ')} (got '${shell}')`);
  const script = completionScript(shell as Shell, input.commands ?? []);
  input.out(script);
  emitResult(input, { shell, script });
}
