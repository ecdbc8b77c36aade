import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { installationFile, installationId, installationOwner } from '../../../src/config/installation';
import { ownerHash } from '../../../src/contract/labels';

void test('the installation id: GKEFLOW_INSTALLATION, else one made once and kept in the config dir', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-inst-'));
  try {
    const env = { XDG_CONFIG_HOME: dir };
    const first = installationId(env);
    assert.match(first, /^[0-9a-f-]{36}$/);
    assert.equal(installationId(env), first, 'stable across calls (persisted)');
    assert.equal(fs.readFileSync(installationFile(env), 'utf8').trim(), first);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'gkeflow')), ['installation'], 'no temporary file left');
    assert.equal(installationId({ ...env, GKEFLOW_INSTALLATION: 'ci-main' }), 'ci-main');
    assert.throws(() => installationId({ GKEFLOW_INSTALLATION: 'a/b' }), /GKEFLOW_INSTALLATION: 'a\/b'/);
    // Namespace and installation both decide the owner.
    const o = installationOwner('default', { GKEFLOW_INSTALLATION: 'x' });
    assert.equal(o, ownerHash('default', 'x'));
    assert.notEqual(o, ownerHash('other', 'x'));
    assert.notEqual(o, ownerHash('default', 'y'));
    assert.match(o, /^[0-9a-f]{12}$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
