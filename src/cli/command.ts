/**
 * What a gkeflow command is: the parsed input it gets, the function it is, and its entry in the
 * registry (registry.ts). Commands import these types from here, never the registry, so the
 * registry can load them lazily without an import circle.
 */
import type { ParseArgsConfig } from 'node:util';
import type { Output } from './output';
/** Parsed flags and positionals handed to a command. */
export interface CommandInput {
  flags: Record<string, string | boolean | string[] | undefined>;
  args: string[];
  out: (line: string) => void;
  err: (line: string) => void;
  /**
   * Where the machine-readable result goes (`--output json|jsonl`); the runner always passes it.
   * A command calls `output.result(doc)` once; in machine mode `out` lines are kept off stdout.
   */
  output?: Output;
  /** The command registry, for the commands that describe the CLI itself (completion). */
  commands?: readonly CommandDef[];
}

/** A command: exit status (0 when it returns nothing) or a thrown CliError. */
export type CommandFn = (input: CommandInput) => Promise<number | void>;

/** A command's entry in the registry: how it is called, its help, and how it loads. */
export interface CommandDef {
  /** Words that select it, e.g. `stack up`. */
  name: string;
  summary: string;
  usage: string;
  /** Longer help: what it does, examples. */
  help?: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Allowed positionals: [min, max]. */
  positionals: [number, number];
  load: () => Promise<CommandFn>;
}
