// What every benchmark shares: its arguments, a few statistics, memory readings, and the one
// machine-readable line per figure (`BENCH-ROW {json}`) that scripts/bench.ts collects into
// BENCHMARKS.md. The human-readable lines each benchmark prints stay as they are.
import fs from 'node:fs';

/** One figure beside its anchor. `met` is undefined when the figure has no goal. */
export interface BenchRow {
  /** The area of issue 12 it belongs to (Orchestration overhead, External-IP lag, …). */
  area: string;
  figure: string;
  /** gkeflow's figure, with its unit. */
  value: string;
  /** What a user would otherwise use, measured in the same run (or a stated reference). */
  anchor?: string;
  /** value ÷ anchor, when both are numbers of the same kind. */
  ratio?: string;
  goal?: string;
  met?: boolean;
  /** Why a goal is missed and what would close it, or how to read the figure. */
  note?: string;
  /** The command that reproduces this figure alone. */
  command: string;
}

export const ROW_PREFIX = 'BENCH-ROW ';

export function row(r: BenchRow): void {
  console.log(`${ROW_PREFIX}${JSON.stringify(r)}`);
}

/** `--name value` from argv, as a number. */
export function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

/** The bench's own command line, for "reproduce with". */
export function commandOf(file: string): string {
  return ['npx tsx', `bench/${file}`, ...process.argv.slice(2)].join(' ');
}

/** The p-th percentile (0–100) of values, nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const median = (values: number[]) => percentile(values, 50);

/** a ÷ b as `1.23×`. */
export const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

export const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const msStr = (ms: number) => `${ms.toFixed(0)} ms`;

/** Resident set size of a process in KiB (0 once it is gone). */
export function rssKiB(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Samples f() every periodMs until stopped; returns the peak. */
export function peakSampler(f: () => number, periodMs = 200): { stop(): number } {
  let peak = f();
  const t = setInterval(() => (peak = Math.max(peak, f())), periodMs);
  return {
    stop() {
      clearInterval(t);
      return Math.max(peak, f());
    },
  };
}
