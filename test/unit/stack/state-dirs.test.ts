import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { cacheDir, entryArgs, isCheckout, repoRoot, stateDir } from '../../../src/paths';

void describe('state and cache directories', () => {
  const install = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-install-')); // a package without src/

  void it('keeps .gkeflow/ in a checkout', () => {
    assert.equal(isCheckout(), true);
    assert.equal(stateDir({}), path.join(repoRoot, '.gkeflow'));
  });

  void it('follows XDG_STATE_HOME in an install, never the install directory', () => {
    assert.equal(isCheckout(install), false);
    assert.equal(stateDir({ XDG_STATE_HOME: '/x/state' }, install), '/x/state/gkeflow');
    assert.equal(stateDir({}, install), path.join(os.homedir(), '.local', 'state', 'gkeflow'));
    assert.ok(!stateDir({}, install).startsWith(install));
  });

  void it('lets GKEFLOW_STATE_DIR win over both', () => {
    assert.equal(stateDir({ GKEFLOW_STATE_DIR: '/s', XDG_STATE_HOME: '/x' }, install), '/s');
    assert.equal(stateDir({ GKEFLOW_STATE_DIR: '/s' }), '/s');
  });

  void it('puts caches under XDG_CACHE_HOME, GKEFLOW_CACHE_DIR winning', () => {
    assert.equal(cacheDir({ XDG_CACHE_HOME: '/x/cache' }), '/x/cache/gkeflow');
    assert.equal(cacheDir({}), path.join(os.homedir(), '.cache', 'gkeflow'));
    assert.equal(cacheDir({ GKEFLOW_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' }), '/c');
  });

  void it('runs the stack entry points from source through tsx in a checkout', () => {
    assert.deepEqual(entryArgs('worker'), ['--import', 'tsx', path.join(repoRoot, 'src', 'worker.ts')]);
  });
});
