import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Component } from '../../../src/toolchain/components';
import { inLanes, toolchainJobs } from '../../../src/toolchain/toolchain';

const comp = (name: string, after?: string): Component =>
  ({
    name,
    version: '1',
    tools: [],
    build: { kind: 'install', packages: [], ldflags: '' },
    ...(after ? { after } : {}),
  }) as Component;
const tick = () => new Promise<void>((r) => setTimeout(r, 5));

void test("components build two at a time, and one that reuses another's packages starts only after it", async () => {
  const log: string[] = [];
  let now = 0;
  let peak = 0;
  const ms: Record<string, number> = { temporal: 2, kubernetes: 6, etcd: 1, kwok: 1, registry: 1, demo: 1 };
  await inLanes(
    ['temporal', 'kubernetes', 'etcd', 'kwok', 'registry', 'demo'].map((n) =>
      comp(n, n === 'etcd' || n === 'kwok' ? 'kubernetes' : undefined),
    ),
    2,
    async (c) => {
      log.push(`start ${c.name}`);
      peak = Math.max(peak, ++now);
      for (let i = 0; i < ms[c.name]!; i++) await tick();
      now--;
      log.push(`end ${c.name}`);
    },
  );
  assert.equal(peak, 2, 'never more than two at once');
  for (const c of ['etcd', 'kwok'])
    assert.ok(log.indexOf(`start ${c}`) > log.indexOf('end kubernetes'), `${c}: ${log.join(', ')}`);
  assert.ok(log.indexOf('start registry') < log.indexOf('end kubernetes'), 'the free lane goes on meanwhile');
  assert.deepEqual(log.slice(0, 2), ['start temporal', 'start kubernetes'], 'in order, the longest early');
  assert.equal(log.filter((l) => l.startsWith('end')).length, 6, 'every component built');
});

void test('after a failure no new component starts; the running one finishes; the first error is thrown', async () => {
  const log: string[] = [];
  await assert.rejects(
    inLanes([comp('a'), comp('b'), comp('c'), comp('d')], 2, async (c) => {
      log.push(`start ${c.name}`);
      if (c.name === 'a') throw new Error('a failed');
      for (let i = 0; i < 3; i++) await tick();
      log.push(`end ${c.name}`);
    }),
    /a failed/,
  );
  assert.deepEqual(log, ['start a', 'start b', 'end b'], 'c and d never started; b was not abandoned');
});

void test('one job builds in order; an `after` not in the run does not hold a component back', async () => {
  const log: string[] = [];
  await inLanes([comp('etcd', 'kubernetes'), comp('demo')], 1, async (c) => {
    log.push(c.name);
    await tick();
  });
  assert.deepEqual(log, ['etcd', 'demo']);
});

void test('GKEFLOW_TOOLCHAIN_JOBS: default 2, a whole number from 1 to 16, else an error naming it', () => {
  assert.equal(toolchainJobs({}), 2);
  assert.equal(toolchainJobs({ GKEFLOW_TOOLCHAIN_JOBS: '1' }), 1);
  for (const bad of ['0', '1.5', 'two', '17'])
    assert.throws(
      () => toolchainJobs({ GKEFLOW_TOOLCHAIN_JOBS: bad }),
      /GKEFLOW_TOOLCHAIN_JOBS=.*whole number from 1 to 16/,
    );
});
