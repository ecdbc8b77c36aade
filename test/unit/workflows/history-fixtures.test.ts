import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// Recorded histories are what deployed workers must keep replaying: they are added to, never
// re-recorded. test/fixtures/histories.sha256 pins each one (append a line for a new fixture).
const DIR = path.join(__dirname, '..', '..', 'fixtures', 'histories');
const LIST = path.join(__dirname, '..', '..', 'fixtures', 'histories.sha256');

const pinned = new Map(
  fs
    .readFileSync(LIST, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [hash, name] = l.split(/\s+/);
      return [name ?? '', hash ?? ''] as const;
    }),
);

void test('keeps every recorded history byte-equal to the pinned hash', () => {
  for (const [name, hash] of pinned) {
    const file = path.join(DIR, name);
    assert.ok(fs.existsSync(file), `${name} is pinned but missing: recorded histories are never deleted`);
    const actual = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    assert.equal(actual, hash, `${name} changed: recorded histories are never re-recorded (add a new scenario)`);
  }
});

void test('pins every recorded history', () => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));
  const unpinned = files.filter((f) => !pinned.has(f));
  assert.deepEqual(unpinned, [], 'append `sha256sum FILE` of each new fixture to test/fixtures/histories.sha256');
});
