import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withDirLock } from '../../../src/process/lock';
import { describeToolchain, ensureToolchain } from '../../../src/toolchain/toolchain';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-lock-'));

void test('two holders of the same lock never overlap, and the second waits and says why', async () => {
  const dir = tmp();
  const lock = path.join(dir, 'entry.lock');
  const events: string[] = [];
  const logs: string[] = [];
  const hold = (name: string) =>
    withDirLock(
      lock,
      (l) => logs.push(l),
      'busy',
      async () => {
        events.push(`${name} in`);
        await new Promise((r) => setTimeout(r, 300));
        events.push(`${name} out`);
      },
    );
  await Promise.all([hold('a'), hold('b')]);
  assert.deepEqual(events, ['a in', 'a out', 'b in', 'b out']);
  assert.deepEqual(logs, ['waiting: busy']);
  assert.equal(fs.existsSync(lock), false, 'the lock is released');
  fs.rmSync(dir, { recursive: true, force: true });
});

void test('a lock left by a dead process is taken over', async () => {
  const dir = tmp();
  const lock = path.join(dir, 'entry.lock');
  fs.mkdirSync(lock);
  fs.writeFileSync(path.join(lock, 'pid'), '999999'); // no such pid
  let ran = false;
  await withDirLock(
    lock,
    () => {},
    'busy',
    async () => {
      ran = true;
    },
  );
  assert.equal(ran, true);
  fs.rmSync(dir, { recursive: true, force: true });
});

void test('a second toolchain run builds nothing and answers from the cache', async () => {
  await ensureToolchain(); // warm (CI provides it before the tests)
  const logs: string[] = [];
  const t0 = Date.now();
  const tc = await ensureToolchain({ log: (l) => logs.push(l) });
  const ms = Date.now() - t0;
  assert.deepEqual(logs, [], 'nothing built, nothing waited for');
  assert.ok(ms < 5000, `took ${ms} ms`);
  for (const [name, file] of Object.entries(tc)) assert.ok(fs.statSync(file).mode & 0o111, `${name} executable`);
  assert.ok(describeToolchain().every((r) => r.state === 'cached'));
});

void test('two toolchain runs at once on a cold cache entry build it once', async () => {
  // A fresh cache dir makes etcd a cold entry; it links in seconds from the warm Go build cache.
  const cache = tmp();
  const env = { ...process.env, GKEFLOW_CACHE_DIR: cache };
  const logsA: string[] = [];
  const logsB: string[] = [];
  const [a, b] = await Promise.all([
    ensureToolchain({ only: ['etcd'], env, log: (l) => logsA.push(l) }),
    ensureToolchain({ only: ['etcd'], env, log: (l) => logsB.push(l) }),
  ]);
  assert.equal(a.etcd, b.etcd);
  const builds = [...logsA, ...logsB].filter((l) => l.startsWith('built etcd'));
  assert.equal(builds.length, 1, `built once: ${[...logsA, ...logsB].join(' | ')}`);
  assert.ok(
    [...logsA, ...logsB].some((l) => l.startsWith('waiting:')),
    'the other caller waited on the lock',
  );
  assert.deepEqual(
    fs.readdirSync(path.join(cache, 'toolchain')).sort(),
    ['etcd-3.6.8'],
    'no temp dir or lock left behind',
  );
  fs.rmSync(cache, { recursive: true, force: true });
});
