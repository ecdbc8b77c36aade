import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FAILURES } from '../../../src/contract/failures';
import { ERROR_CODES, type ErrorCode } from '../../../src/contract/error-codes';
import { CliError, UsageError } from '../../../src/config/errors';
import { repoRoot } from '../../../src/paths';

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

void test('docs/errors.md lists exactly the registered codes with their exit codes and meanings', () => {
  const doc = fs.readFileSync(path.join(repoRoot, 'docs/errors.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| (GKF-[A-Z-]+) \| (\d) \| (.+) \|$/gm)].map((m) => [m[1], Number(m[2]), m[3]]);
  assert.deepEqual(
    rows,
    Object.entries(ERROR_CODES).map(([code, v]) => [code, v.exit, v.summary]),
  );
});

void test('docs/errors.md lists exactly the registered Temporal failure types with source, retryability, exit code and meaning', () => {
  const doc = fs.readFileSync(path.join(repoRoot, 'docs/errors.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| ([A-Z][A-Za-z]+Error) \| ([a-z]+) \| (yes|no) \| (\d) \| (.+) \|$/gm)].map((m) => [
    m[1],
    m[2],
    m[3] === 'yes',
    Number(m[4]),
    m[5],
  ]);
  assert.deepEqual(
    rows,
    Object.entries(FAILURES).map(([type, f]) => [type, f.source, f.retryable, f.exit, f.doc]),
  );
});

void test('every code used in src is registered', () => {
  const used = new Set<string>();
  for (const f of sources(path.join(repoRoot, 'src'))) {
    if (f.endsWith('error-codes.ts')) continue;
    for (const m of fs.readFileSync(f, 'utf8').matchAll(/'(GKF-[A-Z-]+)'/g)) used.add(m[1]!);
  }
  const unknown = [...used].filter((c) => !(c in ERROR_CODES));
  assert.deepEqual(unknown, []);
});

void test('a CliError exits with its code registry entry, and every failure type with the exit of the code it names', () => {
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[])
    assert.equal(new CliError('x', code).exitCode, ERROR_CODES[code].exit, code);
  assert.equal(new UsageError('x').exitCode, 2);
  for (const [type, f] of Object.entries(FAILURES)) assert.equal(f.exit, ERROR_CODES[f.code].exit, type);
});
