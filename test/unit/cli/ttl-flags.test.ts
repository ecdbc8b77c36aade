import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timeLeft } from '../../../src/cli/commands/env';
import { runCli } from '../../helpers/cli';

// Bad TTL flags are refused before anything connects to Temporal (none is running here).
const noTemporal = { TEMPORAL_ADDRESS: '127.0.0.1:9' };

void test('up --ttl and extend --ttl out of range exit 2 naming the flag, before connecting', async () => {
  for (const args of [
    ['extend', 'some-cluster', '--ttl', '31d'],
    ['extend', 'some-cluster', '--ttl', 'soon'],
    ['extend', 'some-cluster'],
    ['up', '-f', 'examples/tensorflow-notebook.yaml', '--ttl', '0s'],
  ]) {
    const r = await runCli(args, noTemporal);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /--ttl/);
  }
});

void test('time left reads in the two largest units', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(timeLeft('2026-01-01T01:59:30Z', now), '1h 59m');
  assert.equal(timeLeft('2026-01-01T00:03:05Z', now), '3m 5s');
  assert.equal(timeLeft('2026-01-03T02:00:00Z', now), '2d 2h');
  assert.equal(timeLeft('2026-01-01T02:00:00Z', now), '2h');
  assert.equal(timeLeft('2025-12-31T23:00:00Z', now), 'expired');
});
