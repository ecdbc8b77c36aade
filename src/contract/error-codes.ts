/**
 * The registry of gkeflow's stable error codes and the one place exit statuses are written:
 * a CliError takes its exit status from its code here, and each Temporal failure type
 * (failures.ts) names the code whose exit status ends a command it ends. Printed by the CLI,
 * documented in docs/errors.md (a test keeps the two and the code base equal).
 */
export const ERROR_CODES = {
  'GKF-USAGE': { exit: 2, summary: 'unknown command or flag, missing or malformed argument or setting' },
  'GKF-SPEC-INVALID': { exit: 2, summary: 'the environment spec has problems; each is listed with its field' },
  'GKF-PORT-IN-USE': { exit: 2, summary: 'a port the local stack needs is held by another process' },
  'GKF-GO-MISSING': { exit: 2, summary: 'Go is needed to build the toolchain and was not found' },
  'GKF-CACHE-CORRUPT': { exit: 2, summary: 'a toolchain cache entry is missing or has a truncated binary' },
  'GKF-TARGET-CONFIG': { exit: 2, summary: 'GKEFLOW_TARGET / emulator / registry settings are malformed' },
  'GKF-ENV-NOT-FOUND': { exit: 2, summary: 'no environment matches the given id or cluster name' },
  'GKF-ENV-AMBIGUOUS': { exit: 2, summary: 'a cluster name matches several environments; pass the full id' },
  'GKF-SCHEDULE-NOT-FOUND': { exit: 2, summary: 'no reaper schedule has that name (see `gkeflow schedule ls`)' },
  'GKF-PROFILE': {
    exit: 2,
    summary: 'the Temporal profile is unknown, its config file is malformed, or it points where no Temporal answers',
  },
  'GKF-TEMPORAL-SETUP': {
    exit: 2,
    summary: "the namespace is missing or lacks gkeflow's search attributes; run `gkeflow temporal setup`",
  },
  'GKF-UPDATE-UNSUPPORTED': {
    exit: 2,
    summary: 'the Temporal server refuses Workflow Update (before 1.25, or turned off); nothing changed',
  },
  'GKF-TOOLCHAIN-BUILD': { exit: 1, summary: 'building a toolchain component failed' },
  'GKF-STACK-UNHEALTHY': { exit: 1, summary: 'a local service did not become healthy in time' },
  'GKF-TEMPORAL-UNREACHABLE': { exit: 1, summary: 'the Temporal frontend cannot be reached' },
  'GKF-TEMPORAL-REFUSED': {
    exit: 1,
    summary: "the Temporal server refused a call; the message has the server's status and reason",
  },
  'GKF-NO-WORKER': {
    exit: 1,
    summary: "no worker polls the reaper's task queue (start `gkeflow worker` for that target, or pass --target)",
  },
  'GKF-RUN-FAILED': { exit: 1, summary: 'the environment workflow failed (its cleanup ran; leftovers are listed)' },
  'GKF-WAIT-TIMEOUT': { exit: 1, summary: '--timeout ran out before the wait ended; the message says where it stood' },
  'GKF-INTERNAL': { exit: 1, summary: 'an unexpected error (a bug); the message has its stack' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes of bad input or usage (exit 2): the only ones a UsageError may carry. */
export type UsageCode = { [K in ErrorCode]: (typeof ERROR_CODES)[K]['exit'] extends 2 ? K : never }[ErrorCode];

/** The exit status of a code. */
export const exitStatusOf = (code: ErrorCode): 1 | 2 => ERROR_CODES[code].exit;
