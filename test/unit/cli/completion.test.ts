import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { completionScript } from '../../../src/cli/completion';
import { COMMANDS } from '../../../src/cli/registry';
import { runJson } from '../../helpers/output-shapes';

/** What bash completes for the words typed so far, with the generated script sourced. */
function complete(script: string, line: string): string[] {
  const words = line.split(' ');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-completion-')), 'gkeflow.bash');
  fs.writeFileSync(file, script);
  const r = spawnSync(
    'bash',
    [
      '-c',
      `source '${file}'; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _gkeflow; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

void test('the bash completion completes a command, a subcommand and a flag from the registry', async () => {
  const r = await runJson(['completion', 'bash', '--json']);
  const script = (r.doc as { script: string }).script;
  assert.equal(script, completionScript('bash', COMMANDS));
  assert.deepEqual(complete(script, 'gkeflow sta'), ['status', 'stack']);
  assert.deepEqual(complete(script, 'gkeflow stack st'), ['status']);
  assert.deepEqual(complete(script, 'gkeflow up --wa'), ['--wait']);
  assert.deepEqual(complete(script, 'gkeflow down x --y'), ['--yes']);
  assert.ok(complete(script, 'gkeflow status x --o').includes('--output'), 'global flags too');
  assert.deepEqual(complete(script, 'gkeflow schedule create n --ev'), ['--every']);
});

void test('zsh loads the bash completion; fish gets complete lines; an unknown shell is exit 2', async () => {
  assert.match(completionScript('zsh', COMMANDS), /bashcompinit[\s\S]*complete -F _gkeflow gkeflow/);
  const fish = completionScript('fish', COMMANDS);
  assert.match(fish, /complete -c gkeflow -n '__fish_use_subcommand' -a 'status'/);
  assert.match(fish, /__fish_seen_subcommand_from up' -l 'wait'/);
  const bad = await runJson(['completion', 'powershell', '--json']);
  assert.equal(bad.code, 2);
});
