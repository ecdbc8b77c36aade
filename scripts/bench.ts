// Runs the benchmarks in bench/ one after another, each printing its figures beside its anchors,
// and writes BENCHMARKS.md from the rows they report (bench/report.ts): each figure with its
// anchor, the ratio, the goal, the machine, the date and the command that reproduces it.
// Usage: npm run bench [-- --quick] [-- <name> ...] [-- --note "other work was running"]
//   --quick   a smoke run (small sizes); writes to $TMPDIR/gkeflow-BENCHMARKS.quick.md, never BENCHMARKS.md
//   names     toolchain-cold (the whole toolchain from empty Go caches, ~12 min, first), overhead, external-ip,
//             many-environments, real-environments, idle-environments, push, push-rss, reaper,
//             kwok-cluster-rss, emulator-clusters
// (bench/walkthrough.ts measures a running stack: `npx gkeflow stack up && npx tsx bench/walkthrough.ts`.)
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../src/paths';
import { ROW_PREFIX, type BenchRow } from '../bench/report';

/** Each benchmark with the arguments of a full run and of a --quick smoke run, in the order they run. */
const BENCHES: { name: string; area: string; full: string[]; quick: string[] }[] = [
  // First, while the machine is quietest: the whole toolchain from empty Go caches (~12 min; --quick: the demo only).
  { name: 'toolchain-cold', area: 'Cold start', full: [], quick: ['--only', 'demo'] },
  { name: 'overhead', area: 'Orchestration overhead', full: ['--runs', '5'], quick: ['--runs', '1'] },
  { name: 'external-ip', area: 'External-IP detection lag', full: ['--runs', '20'], quick: ['--runs', '3'] },
  { name: 'many-environments', area: 'Many environments', full: ['--envs', '200'], quick: ['--envs', '20'] },
  {
    name: 'fleet-actions',
    area: 'Fleet cost',
    full: ['--envs', '50', '--sweeps', '5'],
    quick: ['--envs', '20', '--sweeps', '3'],
  },
  { name: 'real-environments', area: 'Many environments', full: ['--envs', '10'], quick: ['--envs', '2'] },
  {
    name: 'idle-environments',
    area: 'Many environments',
    full: ['--envs', '1000'],
    quick: ['--envs', '100', '--cache', '20', '--wave', '50'],
  },
  { name: 'push', area: 'Image push', full: ['--mib', '300'], quick: ['--mib', '30'] },
  { name: 'push-rss', area: 'Image push', full: [], quick: ['--mib', '64'] },
  {
    name: 'reaper',
    area: 'Reaper',
    // 10,000 in 10 projects (the bench's default) took ~20 min here; 5,000 fits a ~10 min slot.
    full: ['--clusters', '5000', '--projects', '10'],
    quick: ['--clusters', '200', '--projects', '2'],
  },
  { name: 'kwok-cluster-rss', area: 'Local cloud', full: [], quick: ['--settle-seconds', '5'] },
  {
    name: 'emulator-clusters',
    area: 'Local cloud',
    full: ['--runs', '3', '--concurrent', '5'],
    quick: ['--runs', '1', '--concurrent', '2'],
  },
];

/** Areas in the order of issue 12. */
const AREAS = [
  'Orchestration overhead',
  'External-IP detection lag',
  'Many environments',
  'Fleet cost',
  'Image push',
  'Reaper',
  'Local cloud',
  'Cold start',
];

function machine(): string[] {
  const cpus = os.cpus();
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  const tool = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0];
    } catch {
      return 'unavailable';
    }
  };
  return [
    `- CPU: ${cpus[0]?.model ?? 'unknown'}, nproc ${os.availableParallelism()}`,
    `- Memory: ${gib(os.totalmem())} total, ${gib(os.freemem())} free at start`,
    `- OS: ${os.type()} ${os.release()}; Node ${process.version}; ${tool('skopeo', ['--version'])}; ${tool('kubectl', ['version', '--client'])}`,
    `- Load average at start (1/5/15 min): ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ')}`,
  ];
}

const cell = (s: string | undefined) => (s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
const metCell = (r: BenchRow) => (r.met === undefined ? '' : r.met ? 'met' : '**missed**');

function table(rows: BenchRow[], withCommand: boolean): string[] {
  const head = withCommand
    ? ['| Figure | gkeflow | Anchor | Ratio | Goal | | Notes | Reproduce |', '|---|---|---|---|---|---|---|---|']
    : ['| Area | Figure | gkeflow | Anchor | Ratio | Goal | |', '|---|---|---|---|---|---|---|'];
  return [
    ...head,
    ...rows.map((r) =>
      withCommand
        ? `| ${cell(r.figure)} | ${cell(r.value)} | ${cell(r.anchor)} | ${cell(r.ratio)} | ${cell(r.goal)} | ${metCell(r)} | ${cell(r.note)} | \`${cell(r.command)}\` |`
        : `| ${cell(r.area)} | ${cell(r.figure)} | ${cell(r.value)} | ${cell(r.anchor)} | ${cell(r.ratio)} | ${cell(r.goal)} | ${metCell(r)} |`,
    ),
  ];
}

function markdown(
  rows: BenchRow[],
  o: { quick: boolean; started: Date; ms: number; note?: string; machine: string[] },
) {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const byArea = AREAS.map((a) => [a, rows.filter((r) => r.area === a)] as const).concat([
    ['Other', rows.filter((r) => !AREAS.includes(r.area))],
  ]);
  const out = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench${o.quick ? ' -- --quick' : ''}\` (scripts/bench.ts) on ${o.started.toISOString()} ` +
      `from commit ${commit}, in one run of ${(o.ms / 60_000).toFixed(1)} min on this machine. Every figure ` +
      'stands beside its anchor (what a user would otherwise use), measured in the same run on the same ' +
      'machine; each row names the command that reproduces it alone. The GKE emulator runs with zero ' +
      'injected delays (ZERO_DELAYS), the same for every side, so simulated waits hide none of the overhead.',
    '',
    '## Machine',
    '',
    ...o.machine,
    ...(o.note ? [`- Conditions: ${o.note}`] : []),
    '',
  ];
  for (const [area, rs] of byArea) {
    if (rs.length === 0) continue;
    out.push(`## ${area}`, '', ...table(rs, true), '');
  }
  const missed = rows.filter((r) => r.met === false);
  out.push(
    '## Summary',
    '',
    `${rows.filter((r) => r.met === true).length} goals met, ${missed.length} missed` +
      (missed.length
        ? ` (${missed.map((r) => r.figure).join('; ')}: see each row's notes for why and what would close it)`
        : '') +
      '.',
    '',
    ...table(rows, false),
    '',
  );
  return out.join('\n');
}

/** Runs one bench, echoing its output and collecting its rows. */
function runBench(file: string, args: string[], rows: BenchRow[]): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith(ROW_PREFIX)) rows.push(JSON.parse(line.slice(ROW_PREFIX.length)) as BenchRow);
        else console.log(line);
      }
    });
    p.on('close', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const noteAt = args.indexOf('--note');
  const note = noteAt >= 0 ? args[noteAt + 1] : undefined;
  const names = args.filter((a, i) => !a.startsWith('--') && i !== noteAt + 1);
  const unknown = names.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length) {
    console.error(`unknown benchmark ${unknown.join(', ')} (known: ${BENCHES.map((b) => b.name).join(', ')})`);
    return 2;
  }
  const started = new Date();
  const info = machine();
  const rows: BenchRow[] = [];
  let failed = 0;
  for (const b of BENCHES.filter((x) => names.length === 0 || names.includes(x.name))) {
    console.log(`== ${b.name}${quick ? ' (quick)' : ''}`);
    const file = path.join(repoRoot, 'bench', `${b.name}.ts`);
    const before = rows.length;
    const code = await runBench(file, quick ? b.quick : b.full, rows);
    if (code !== 0) {
      failed++;
      rows.push({
        area: b.area,
        figure: `${b.name}: the benchmark failed (exit ${code})`,
        value: rows.length > before ? 'partial' : 'no figure',
        note: 'see the run output',
        command: `npx tsx bench/${b.name}.ts ${(quick ? b.quick : b.full).join(' ')}`.trim(),
      });
    }
  }
  const out = quick ? path.join(os.tmpdir(), 'gkeflow-BENCHMARKS.quick.md') : path.join(repoRoot, 'BENCHMARKS.md');
  fs.writeFileSync(out, markdown(rows, { quick, started, ms: Date.now() - started.getTime(), note, machine: info }));
  console.log(`\nwrote ${out} (${rows.length} figures${failed ? `; ${failed} benchmark(s) failed` : ''})`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
