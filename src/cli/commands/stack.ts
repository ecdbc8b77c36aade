import { UsageError } from '../../config/errors';
import { components } from '../../toolchain/components';
import { stackDown, stackLogs, stackStatus, stackUp, type ServiceStatus } from '../../stack/stack';
import { stackServices } from '../../stack/services';
import { describeToolchain, ensureToolchain, fmtSeconds } from '../../toolchain/toolchain';
import { diskUsage, fmtBytes, pruneToolchain, toolchainDir } from '../../toolchain/disk';
import type { CommandInput } from '../command';
import { emitResult } from '../output';

const list = (v: unknown): string[] | undefined =>
  typeof v === 'string' && v !== '' ? v.split(',').map((s) => s.trim()) : undefined;

function checkComponents(flag: string, names: string[] | undefined): void {
  const bad = (names ?? []).filter((n) => !components.some((c) => c.name === n));
  if (bad.length)
    throw new UsageError(
      `--${flag}: unknown component ${bad.join(', ')} (known: ${components.map((c) => c.name).join(', ')})`,
    );
}

/** `gkeflow stack toolchain`: provide the binaries, list the cache with --list, reclaim disk with --prune. */
export async function toolchainCommand({ flags, out, err }: CommandInput): Promise<void> {
  const only = list(flags.only);
  checkComponents('only', only);
  if (flags.prune) return prune(out);
  if (!flags.list) {
    const rebuild =
      flags.rebuild === undefined
        ? false
        : flags.rebuild === '' || flags.rebuild === 'all'
          ? true
          : list(flags.rebuild);
    if (Array.isArray(rebuild)) checkComponents('rebuild', rebuild);
    await ensureToolchain({
      only,
      rebuild,
      keepGoCache: flags['keep-go-cache'] === true,
      log: (l) => err(`toolchain: ${l}`),
    });
  }
  const rows = describeToolchain().filter((r) => !only || only.includes(r.component));
  if (flags.json) return out(JSON.stringify(rows, null, 2));
  for (const r of rows)
    out(
      `${r.component.padEnd(11)} v${r.version.padEnd(7)} ${r.state.padEnd(9)} ${r.seconds !== undefined ? `built in ${fmtSeconds(r.seconds)}`.padEnd(17) : ''.padEnd(17)} ${r.dir}`,
    );
  if (!only)
    out(`the toolchain takes ${fmtBytes(diskUsage(toolchainDir()))}; reclaim with 'gkeflow stack toolchain --prune'`);
}

async function prune(out: (l: string) => void): Promise<void> {
  const r = await pruneToolchain();
  for (const x of r.removed) out(`removed ${x.path} (${fmtBytes(x.bytes)}): ${x.why}`);
  if (!r.removed.length) out('nothing to prune: only the binaries in use are cached');
  out(`the toolchain takes ${fmtBytes(r.bytesAfter)} in ${toolchainDir()}`);
  if (r.userGoCaches.length) {
    const list = r.userGoCaches.map((c) => `${c.path} (${fmtBytes(c.bytes)})`).join(', ');
    out(
      `your own Go caches hold ${list}; gkeflow no longer fills them (it builds in a private cache), ` +
        `but builds before it did: 'go clean -modcache -cache' reclaims them if no other project needs them`,
    );
  }
}

/** `gkeflow stack up`. */
export async function upCommand(input: CommandInput): Promise<void> {
  const status = await stackUp({ log: (l) => input.err(l) });
  printStatus(status, input.out);
  emitResult(input, status);
}

/** `gkeflow stack down`. */
export async function downCommand(input: CommandInput): Promise<void> {
  await stackDown({ log: (l) => input.err(l) });
  emitResult(input, { stopped: true });
}

/** `gkeflow stack status`: exit 1 when a started service is unhealthy. */
export async function statusCommand({ flags, out }: CommandInput): Promise<number> {
  const status = await stackStatus();
  if (flags.json) out(JSON.stringify(status, null, 2));
  else printStatus(status, out);
  return status.some((s) => s.state === 'unhealthy') ? 1 : 0;
}

/** `gkeflow stack logs [SERVICE] [-n LINES]`. */
export async function logsCommand(input: CommandInput): Promise<void> {
  const { flags, args, out } = input;
  const names = stackServices().map((s) => s.name);
  if (args[0] && !names.includes(args[0]))
    throw new UsageError(`unknown service '${args[0]}' (services: ${names.join(', ')})`);
  const n = flags.lines === undefined ? 50 : Number(flags.lines);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--lines: must be a positive integer (got '${String(flags.lines)}')`);
  out(stackLogs(args[0], n));
  emitResult(input, { service: args[0] ?? null, log: stackLogs(args[0], n) });
}

function printStatus(status: ServiceStatus[], out: (l: string) => void): void {
  out(`${'SERVICE'.padEnd(14)}${'STATE'.padEnd(11)}${'PID'.padEnd(9)}ADDRESS`);
  for (const s of status) out(`${s.name.padEnd(14)}${s.state.padEnd(11)}${String(s.pid ?? '-').padEnd(9)}${s.address}`);
}
