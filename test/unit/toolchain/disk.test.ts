import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { components } from '../../../src/toolchain/components';
import { diskUsage, fmtBytes, pruneToolchain, removeGoCache, toolchainDir } from '../../../src/toolchain/disk';

void test('prune removes kept Go caches, unpinned versions and interrupted builds, and keeps the binaries in use', async () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-prune-'));
  const env = { GKEFLOW_CACHE_DIR: cache, PATH: '' }; // no go on PATH: the user's caches are not looked at
  const dir = toolchainDir(env);
  const write = (rel: string, bytes: number) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), Buffer.alloc(bytes, 1));
  };
  const current = `${components[0]!.name}-${components[0]!.version}`;
  write(`${current}/bin`, 10_000);
  write('go-cache/demo/mod/x', 50_000);
  write('temporal-0.0.1/temporal', 20_000);
  write(`${current}.tmp-1234/partial`, 5000);
  write(`${current}.lock/owner`, 10);
  try {
    const r = await pruneToolchain(env);
    assert.deepEqual(
      r.removed.map((x) => path.basename(x.path)).sort(),
      ['go-cache', 'temporal-0.0.1', `${current}.tmp-1234`].sort(),
    );
    assert.ok(fs.existsSync(path.join(dir, current, 'bin')), 'the binaries in use stay');
    assert.ok(fs.existsSync(path.join(dir, `${current}.lock`)), 'a build lock is not touched');
    assert.equal(r.bytesAfter, diskUsage(dir));
    assert.deepEqual(r.userGoCaches, []);
    assert.match(fmtBytes(713e6), /^713 MB$/);
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
});

void test("removing a component's private Go cache removes the go-cache folder once it is empty", () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-gocache-'));
  const dir = path.join(toolchainDir({ GKEFLOW_CACHE_DIR: cache }), 'go-cache');
  fs.mkdirSync(path.join(dir, 'demo', 'mod', 'a'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'kwok'), { recursive: true });
  removeGoCache(path.join(dir, 'demo'));
  assert.deepEqual(fs.readdirSync(dir), ['kwok'], 'another kept cache stays');
  removeGoCache(path.join(dir, 'kwok'));
  assert.equal(fs.existsSync(dir), false);
  fs.rmSync(cache, { recursive: true, force: true });
});
