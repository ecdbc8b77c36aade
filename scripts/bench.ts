// Runs the benchmarks in bench/ one after another; each prints its figures beside its anchors.
// Usage: npm run bench [-- --quick] [-- <name> ...]   names: emulator-clusters, kwok-cluster-rss, push-rss, reaper
// (bench/walkthrough.ts needs a running stack: `npx gkeflow stack up && npx tsx bench/walkthrough.ts`;
// bench/toolchain-cold.sh rebuilds the toolchain from nothing and takes ~20 min.)
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../src/paths';

/** Each benchmark with the arguments of a full run and of a --quick smoke run. */
const BENCHES: { name: string; full: string[]; quick: string[] }[] = [
  {
    name: 'emulator-clusters',
    full: ['--runs', '3', '--concurrent', '5'],
    quick: ['--runs', '1', '--concurrent', '2'],
  },
  { name: 'kwok-cluster-rss', full: [], quick: ['--settle-seconds', '5'] },
  { name: 'push-rss', full: [], quick: ['--mib', '64'] },
  { name: 'reaper', full: ['--clusters', '200'], quick: ['--clusters', '20'] },
];

function main(): number {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length) {
    console.error(`unknown benchmark ${unknown.join(', ')} (known: ${BENCHES.map((b) => b.name).join(', ')})`);
    return 2;
  }
  for (const b of BENCHES.filter((x) => names.length === 0 || names.includes(x.name))) {
    console.log(`== ${b.name}${quick ? ' (quick)' : ''}`);
    const file = path.join(repoRoot, 'bench', `${b.name}.ts`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...(quick ? b.quick : b.full)], {
      stdio: 'inherit',
    });
    if (r.status !== 0) return r.status ?? 1;
  }
  return 0;
}

process.exit(main());
