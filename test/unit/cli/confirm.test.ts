import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../helpers/cli';

// No Temporal here: a refusal must come before connecting (an attempt would exit 1, not 2).
const noTemporal = { TEMPORAL_ADDRESS: '127.0.0.1:9' };

void test('down and reap without a terminal and without --yes refuse with exit 2 before connecting', async () => {
  for (const args of [
    ['down', 'some-env'],
    ['down', 'some-env', '--wait'],
    ['reap', '--project', 'my-project'],
  ]) {
    const r = await runCli(args, noTemporal);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /there is no terminal to ask on; pass --yes to confirm \(nothing was deleted\)/);
  }
});

void test('reap --dry-run deletes nothing and needs no --yes', async () => {
  const r = await runCli(['reap', '--dry-run', '--project', 'my-project'], noTemporal);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /cannot reach Temporal/);
});
