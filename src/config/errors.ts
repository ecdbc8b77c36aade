/**
 * Errors the CLI turns into exit codes, thrown by every Node-side layer (settings, stack,
 * toolchain, Temporal connection, clients' configuration). Only the CLI's main calls
 * process.exit; everything else throws one of these. Exit codes: 0 ok, 1 the run failed, 2 bad
 * input or usage, each taken from the error code's entry in src/contract/error-codes.ts.
 */
import { exitStatusOf, type ErrorCode, type UsageCode } from '../contract/error-codes';

export class CliError extends Error {
  /** The exit status of `code` (its registry entry). */
  readonly exitCode: 1 | 2;
  constructor(
    message: string,
    /** Stable code from docs/errors.md, e.g. GKF-USAGE. */
    readonly code: ErrorCode,
    /** Each problem with the field or flag it names, for `--output json` (one per problem, not one line). */
    readonly problems?: ReadonlyArray<{ path: string; message: string }>,
  ) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitStatusOf(code);
  }
}

/** Thrown by any command when its input (flags, arguments, spec, environment) is wrong. */
export class UsageError extends CliError {
  constructor(
    message: string,
    code: UsageCode = 'GKF-USAGE',
    problems?: ReadonlyArray<{ path: string; message: string }>,
  ) {
    super(message, code, problems);
  }
}

/** Thrown when a local port the stack needs is held by a process the stack did not start. */
export class PortInUseError extends CliError {
  constructor(
    readonly port: number,
    readonly what: string,
    readonly envVar: string,
  ) {
    super(
      `port 127.0.0.1:${port} for ${what} is already in use by another process; stop it or set ${envVar} to a free port`,
      'GKF-PORT-IN-USE',
    );
  }
}

/** Thrown by the toolchain when a binary must be built and no Go toolchain is available. */
export class GoMissingError extends CliError {
  constructor() {
    super(
      'Go was not found on PATH (it is needed once, to build the local toolchain): install Go >= 1.26 ' +
        '(unpack it into /usr/local/go and add /usr/local/go/bin to PATH) or set GKEFLOW_GO to the go binary',
      'GKF-GO-MISSING',
    );
  }
}

/** Thrown by the toolchain when a cache entry exists but its binaries are missing or broken. */
export class CorruptCacheError extends CliError {
  constructor(
    readonly dir: string,
    detail: string,
  ) {
    super(
      `corrupt toolchain cache entry ${dir} (${detail}); run: npx gkeflow stack toolchain --rebuild`,
      'GKF-CACHE-CORRUPT',
    );
  }
}

/** Thrown when building a toolchain component fails (compiler error, proxy unreachable). */
export class ToolchainBuildError extends CliError {
  constructor(
    readonly component: string,
    detail: string,
  ) {
    super(`building ${component} failed: ${detail}`, 'GKF-TOOLCHAIN-BUILD');
  }
}

/** Thrown by the stack when a component does not become healthy in time. */
export class StackHealthError extends CliError {
  constructor(
    readonly component: string,
    readonly logFile: string,
    detail: string,
    logTail = '',
  ) {
    super(
      `${component} did not become healthy: ${detail} (log: ${logFile})${logTail ? `; its log ends: ${logTail}` : ''}`,
      'GKF-STACK-UNHEALTHY',
    );
  }
}

/** The messages along an error's cause chain, outermost first (Temporal nests the real reason deep). */
export function causeMessages(err: unknown): string[] {
  const out: string[] = [];
  for (let c = err as { message?: unknown; cause?: unknown } | undefined; c; c = c.cause as typeof c)
    out.push(String(c.message));
  return out;
}
