/**
 * How a command's stdout is read: `text` for people, `json` (one document) or `jsonl` (one event
 * per line, the result last) for pipelines. The runner (main.ts) picks the mode once from the
 * global `--output`/`--json` flags and hands every command the same `Output`, so no command
 * formats machine output of its own; the shapes are documented in docs/cli-output.md.
 */
import { CliError, UsageError } from '../config/errors';
import { exitStatusOf, type ErrorCode } from '../contract/error-codes';
import { SpecValidationError } from '../envspec/validate';

export const OUTPUT_MODES = ['text', 'json', 'jsonl'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

/** One problem of a failed command: the field or flag it names (may be empty) and what is wrong. */
export interface Problem {
  path: string;
  message: string;
}

/** The document a failed command prints in json/jsonl mode (terraform validate -json's habit). */
export interface ErrorDocument {
  error: { code: ErrorCode; message: string; problems: Problem[] };
}

/**
 * Takes the global `--output MODE` / `--output=MODE` / `--json` out of argv. `--json` stays an
 * alias of `--output json`; a mode not in OUTPUT_MODES is a UsageError (exit 2).
 */
export function takeOutputMode(argv: string[]): { mode: OutputMode; argv: string[] } {
  let mode: OutputMode = 'text';
  const rest: string[] = [];
  let bad: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === '--json') mode = 'json';
    else if (a === '--output' || a === '-o' || a.startsWith('--output=')) {
      const v = a.startsWith('--output=') ? a.slice('--output='.length) : argv[++i];
      if ((OUTPUT_MODES as readonly string[]).includes(v ?? '')) mode = v as OutputMode;
      else bad = v ?? '';
    } else rest.push(a);
  }
  if (bad !== undefined) {
    // Still answer in JSON when the rest of the line asked for it.
    throw Object.assign(new UsageError(`--output: expected one of ${OUTPUT_MODES.join('|')} (got '${bad}')`), {
      mode,
    });
  }
  return { mode, argv: rest };
}

/** `--every '5x': …` → the flag it names, for a problem's path. */
const flagOf = (message: string): string => /^(-{1,2}[\w-]+(?:\/-{1,2}[\w-]+)?)/.exec(message)?.[1] ?? '';

/** The error document of any thrown error, and the exit status it ends the command with. */
export function errorDocument(e: unknown): { doc: ErrorDocument; exit: 1 | 2 } {
  if (e instanceof SpecValidationError) {
    return {
      doc: {
        error: {
          code: 'GKF-SPEC-INVALID',
          message: `invalid spec ${e.sourceName}: ${e.issues.length} problem${e.issues.length === 1 ? '' : 's'}`,
          problems: e.issues.map((i) => ({ path: i.path, message: i.message })),
        },
      },
      exit: exitStatusOf('GKF-SPEC-INVALID'),
    };
  }
  if (e instanceof CliError) {
    const problems = e.problems ? [...e.problems] : [{ path: flagOf(e.message), message: e.message }];
    return { doc: { error: { code: e.code, message: e.message, problems } }, exit: e.exitCode };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { doc: { error: { code: 'GKF-INTERNAL', message, problems: [] } }, exit: 1 };
}

/**
 * A call the Temporal server answered with a gRPC status (the client's ServiceError around the
 * status error) as a CliError naming the call and the server's reason, not a stack: the server is
 * not gkeflow's bug. Anything else (a raw status error may be a Google API's) comes back undefined.
 */
export async function temporalRefusal(e: unknown): Promise<CliError | undefined> {
  if (e instanceof CliError || !(e instanceof Error)) return undefined;
  const status = (x: unknown): x is Error & { code: number } =>
    x instanceof Error && typeof (x as { code?: unknown }).code === 'number' && /^\d+ [A-Z_]+: /.test(x.message);
  const cause = (e as { cause?: unknown }).cause;
  if (!status(cause)) return undefined;
  // Loaded only here: the client costs every CLI start ~0.4 s otherwise (--help included).
  const { ServiceError } = await import('@temporalio/client');
  return e instanceof ServiceError
    ? new CliError(`Temporal refused the call (${e.message}): ${cause.message}`, 'GKF-TEMPORAL-REFUSED')
    : undefined;
}

/** What a command writes its machine-readable result and progress through. */
export interface Output {
  mode: OutputMode;
  /** The command's result: printed as the one JSON document (json) or the last line (jsonl); ignored in text. */
  result(doc: unknown): void;
  /** A progress event: one JSON line in jsonl mode, nothing otherwise (text progress goes to stderr). */
  event(doc: Record<string, unknown>): void;
  /** True when stdout is for a machine: text lines must not reach it. */
  readonly machine: boolean;
}

/** The per-run collector main.ts uses: what the command emitted, printed once at the end. */
export interface OutputRun extends Output {
  /** The text lines a command wrote to stdout (kept back in machine mode). */
  textLines: string[];
  emitted: { doc: unknown } | undefined;
}

/** A fresh collector for one command run; `write` prints one stdout line. */
export function createOutput(mode: OutputMode, write: (line: string) => void): OutputRun {
  const run: OutputRun = {
    mode,
    machine: mode !== 'text',
    textLines: [],
    emitted: undefined,
    result(doc) {
      run.emitted = { doc };
    },
    event(doc) {
      if (mode === 'jsonl') write(JSON.stringify(doc));
    },
  };
  return run;
}

/**
 * Ends a machine-mode run: the emitted result, else for a failed command an error document from
 * its last stderr line, else the text lines it printed (a command not yet taught a result: one
 * line that is already JSON passes through, others become `{lines}`).
 */
export function finishDocument(run: OutputRun, code: number, lastErr: string | undefined): unknown {
  if (run.emitted) return run.emitted.doc;
  if (code !== 0) {
    const message = lastErr?.replace(/^gkeflow: /, '') ?? `exit ${code}`;
    return {
      error: { code: code === 2 ? 'GKF-USAGE' : 'GKF-RUN-FAILED', message, problems: [] },
    } satisfies ErrorDocument;
  }
  if (run.textLines.length === 1) {
    try {
      return JSON.parse(run.textLines[0]!) as unknown;
    } catch {
      // not JSON: fall through
    }
  }
  return { lines: run.textLines };
}

/** The JSON text of a document as the mode prints it: indented for json, one line for jsonl. */
export const renderDocument = (mode: OutputMode, doc: unknown): string =>
  mode === 'jsonl' ? JSON.stringify(doc) : JSON.stringify(doc, null, 2);

/** Hands a command's result to the runner: printed in json/jsonl mode, ignored in text mode. */
export function emitResult(input: { output?: Output }, doc: unknown): void {
  input.output?.result(doc);
}

/** True when the command's stdout is for a machine (`--output json|jsonl`). */
export const machineMode = (input: { output?: Output }): boolean => input.output?.machine ?? false;
