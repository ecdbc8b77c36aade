// Runs the test suite with node's own test runner, tier by tier:
//   test/unit         no toolchain, no servers (runs on a machine without Go, in seconds)
//   test/integration  the real Temporal dev server, in-process emulators, the registry, kwok
//   test/e2e          the whole local stack through the CLI
//   test/chaos        kills, restarts and faults against the real local stack (not part of `npm test`:
//                     `npm run test:chaos`, `-- --quick` for CI's subset); each file starts its own stack
// Only what the chosen files need is prepared: unit files alone start nothing; any other tier
// gets the toolchain and one real Temporal dev server for the whole run (tests read
// GKEFLOW_TEST_TEMPORAL_ADDRESS), stopped afterwards.
// Usage: npm test [-- <tier or path filter> ...]   e.g. npm test -- unit, npm test -- test/integration/emulator
//        npm run test:chaos [-- --quick] [-- <path filter>]
//        npm run test:temporal   (test/temporal: a real temporal-server on PostgreSQL, built on demand)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureToolchain } from '../src/toolchain/toolchain';
import { startEphemeralTemporal } from '../src/stack/temporal-server';
import { repoRoot } from '../src/paths';

const TIERS = ['unit', 'integration', 'e2e'] as const;
/** Tiers run only when asked for by name (or by a path inside them). */
const SEPARATE_TIERS = ['chaos', 'temporal'] as const;

function findTests(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'helpers' || e.name === 'fixtures' ? [] : findTests(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** The test files of the tiers in order, filtered by the given tier names or path fragments. */
function selectFiles(filters: string[]): string[] {
  const asked = (t: string) => filters.some((x) => x === t || x.includes(`test/${t}/`) || x === `test/${t}`);
  // `chaos faults` (npm run test:chaos -- faults): the other filters pick files inside the separate tier.
  const scopes = SEPARATE_TIERS.filter((t) => filters.includes(t));
  const rest = filters.filter((x) => !(scopes as string[]).includes(x));
  const scoped = scopes.length > 0 && rest.length > 0;
  const tiers: string[] = scoped ? scopes : [...TIERS, ...SEPARATE_TIERS.filter(asked)];
  if (scoped) filters = rest;
  const named = (x: string) => tiers.includes(x);
  const all = tiers.flatMap((t) =>
    findTests(path.join(repoRoot, 'test', t))
      .map((f) => path.relative(repoRoot, f))
      .sort(),
  );
  const wanted = (f: string) =>
    filters.length === 0 || filters.some((x) => (named(x) ? f.startsWith(`test/${x}/`) : f.includes(x)));
  return all.filter(wanted);
}

function runNodeTests(files: string[], env: NodeJS.ProcessEnv, concurrency = 1): Promise<number> {
  return new Promise<number>((resolve) => {
    const args = ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files];
    // A private state dir: a developer's own stack (.gkeflow, its codec key) never leaks into the tests.
    const stateDir = env.GKEFLOW_TEST_TMP ? path.join(env.GKEFLOW_TEST_TMP, 'state') : undefined;
    const childEnv = { ...process.env, ...(stateDir ? { GKEFLOW_STATE_DIR: stateDir } : {}), ...env };
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: 'inherit', env: childEnv });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function run(): Promise<number> {
  const args = process.argv.slice(2);
  // --quick: the chaos tier's CI subset (the files read GKEFLOW_CHAOS_QUICK).
  const quick: NodeJS.ProcessEnv = args.includes('--quick') ? { GKEFLOW_CHAOS_QUICK: '1' } : {};
  const filters = args.filter((a) => a !== '--quick');
  const files = selectFiles(filters);
  if (files.length === 0) throw new Error(`no test files match ${filters.join(' ')}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-test-'));
  if (files.every((f) => f.startsWith('test/unit/'))) {
    // Unit files share no server and no port, so they run side by side, one per core.
    const cores = os.availableParallelism();
    console.log(`[test] ${files.length} unit test files, ${cores} at a time; nothing to start`);
    return runNodeTests(files, { GKEFLOW_TEST_TMP: tmp }, cores);
  }
  const tc = await ensureToolchain({ log: (l) => console.log(`[toolchain] ${l}`) });
  if (files.every((f) => f.startsWith('test/chaos/'))) {
    // Chaos files start (and kill, and restart) their own stack, Temporal included.
    const report = process.env.GKEFLOW_CHAOS_REPORT || path.join(tmp, 'chaos-report.jsonl');
    console.log(`[test] ${files.length} chaos test files${quick.GKEFLOW_CHAOS_QUICK ? ' (quick set)' : ''}`);
    const code = await runNodeTests(files, { GKEFLOW_TEST_TMP: tmp, GKEFLOW_CHAOS_REPORT: report, ...quick });
    console.log(`[test] chaos outcomes: ${report} (as a table: npx tsx test/chaos/report.ts ${report})`);
    return code;
  }
  if (files.every((f) => f.startsWith('test/temporal/'))) {
    // The self-hosted tier starts its own real Temporal on PostgreSQL (test/temporal/self-hosted.ts).
    console.log(`[test] ${files.length} self-hosted Temporal test files`);
    return runNodeTests(files, { GKEFLOW_TEST_TMP: tmp });
  }
  const temporal = await startEphemeralTemporal(tc.temporal, tmp);
  console.log(
    `[test] temporal dev server on ${temporal.address} (log ${tmp}/temporal.log); ${files.length} test files`,
  );
  try {
    return await runNodeTests(files, { GKEFLOW_TEST_TEMPORAL_ADDRESS: temporal.address, GKEFLOW_TEST_TMP: tmp });
  } finally {
    await temporal.stop();
  }
}

run().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
