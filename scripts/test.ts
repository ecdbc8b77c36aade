// Runs the test suite with node's own test runner. Starts one real Temporal dev server for the
// whole run (tests read GKEFLOW_TEST_TEMPORAL_ADDRESS) and stops it afterwards.
// Usage: npm test [-- <path filter> ...]   e.g. npm test -- test/stack
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureToolchain } from '../src/stack/toolchain';
import { startEphemeralTemporal } from '../src/stack/temporal-server';
import { repoRoot } from '../src/stack/paths';

function findTests(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'helpers' || e.name === 'fixtures' ? [] : findTests(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

async function run(): Promise<number> {
  const filters = process.argv.slice(2);
  const files = findTests(path.join(repoRoot, 'test'))
    .map((f) => path.relative(repoRoot, f))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  if (files.length === 0) throw new Error(`no test files match ${filters.join(' ')}`);
  const tc = await ensureToolchain({ log: (l) => console.log(`[toolchain] ${l}`) });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-test-'));
  const temporal = await startEphemeralTemporal(tc.temporal, tmp);
  console.log(`[test] temporal dev server on ${temporal.address} (log ${tmp}/temporal.log); ${files.length} test files`);
  try {
    return await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
        cwd: repoRoot,
        stdio: 'inherit',
        env: { ...process.env, GKEFLOW_TEST_TEMPORAL_ADDRESS: temporal.address, GKEFLOW_TEST_TMP: tmp },
      });
      child.on('close', (code) => resolve(code ?? 1));
    });
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
