import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cliReference } from '../../../src/cli/reference';
import { COMMANDS } from '../../../src/cli/registry';
import { repoRoot } from '../../../src/paths';

void test("the README's CLI reference is the command table: each usage line as --help prints it, then its summary", () => {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('## CLI\n\n```\n');
  assert.ok(start >= 0, 'README has a CLI section opening with a code block');
  const body = readme.slice(start + '## CLI\n\n```\n'.length);
  const block = body.slice(0, body.indexOf('```')).trimEnd();
  assert.equal(block, cliReference(COMMANDS), 'regenerate the block from src/cli/reference.ts');
});
