import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../helpers/cli';
import { components } from '../../../src/toolchain/components';

/** A usage error is exactly one line on stderr, exit code 2, nothing on stdout. */
function assertUsageError(r: { code: number; stdout: string; stderr: string }, mentions: RegExp): void {
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.match(lines[0]!, /^gkeflow: /);
  assert.match(lines[0]!, mentions);
}

void test('--help lists the commands and exits 0', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['stack up', 'stack down', 'stack status', 'stack logs', 'stack toolchain'])
    assert.ok(r.stdout.includes(c), c);
});

void test('an unknown command exits 2 naming it', async () => {
  assertUsageError(await runCli(['frobnicate']), /unknown command 'frobnicate'/);
});

void test('an unknown stack subcommand exits 2 naming it', async () => {
  assertUsageError(await runCli(['stack', 'explode']), /unknown command 'stack explode'/);
});

void test('an unknown flag exits 2 naming the flag and the usage', async () => {
  assertUsageError(await runCli(['stack', 'status', '--colour']), /--colour.*usage: gkeflow stack status/);
});

void test('a stray argument exits 2', async () => {
  assertUsageError(await runCli(['stack', 'up', 'now']), /expected 0 argument/);
});

void test('an unknown log service exits 2 listing the services', async () => {
  assertUsageError(await runCli(['stack', 'logs', 'nginx']), /unknown service 'nginx'.*temporal/);
});

void test('a malformed port variable exits 2 naming the variable', async () => {
  assertUsageError(
    await runCli(['stack', 'status'], { GKEFLOW_REGISTRY_PORT: 'http' }),
    /GKEFLOW_REGISTRY_PORT=http: must be a port number/,
  );
});

void test('an unknown toolchain component exits 2 listing the known ones', async () => {
  assertUsageError(
    await runCli(['stack', 'toolchain', '--only', 'docker']),
    /--only: unknown component docker \(known: temporal/,
  );
});

void test('a missing Go toolchain exits 2 and says how to get Go', async () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-nogo-'));
  const r = await runCli(['stack', 'toolchain', '--only', 'registry'], {
    PATH: '/usr/bin:/bin',
    GKEFLOW_CACHE_DIR: cache,
  });
  assertUsageError(r, /Go was not found on PATH.*GKEFLOW_GO/);
  assert.deepEqual(
    fs.readdirSync(path.join(cache, 'toolchain')).filter((f) => !f.endsWith('.lock')),
    [],
    'nothing half-built left in the cache',
  );
  fs.rmSync(cache, { recursive: true, force: true });
});

void test('a corrupt cache entry exits 2 naming the entry and the fix', async () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-corrupt-'));
  const reg = components.find((c) => c.name === 'registry')!;
  const dir = path.join(cache, 'toolchain', `registry-${reg.version}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'registry'), '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(
    path.join(dir, '.complete.json'),
    JSON.stringify({ version: reg.version, builtAt: '', seconds: 1, files: { registry: 123456 } }),
  );
  const r = await runCli(['stack', 'toolchain', '--only', 'registry'], { GKEFLOW_CACHE_DIR: cache });
  assertUsageError(
    r,
    new RegExp(
      `corrupt toolchain cache entry ${dir.replace(/[.]/g, '\\.')}.*registry has 10 bytes, expected 123456.*--rebuild`,
    ),
  );
  fs.rmSync(cache, { recursive: true, force: true });
});
