// Hostile or careless input: a YAML alias bomb, prototype names as machine types and regions,
// huge names sent to the emulator, relative image paths, and emulator state that must stay
// bounded and survive a failing disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseParent, parseClusterName } from '../../../src/emulator/gke/names';
import { EmulatorStore, MAX_DONE_OPERATIONS, SAVE_DELAY_MS } from '../../../src/emulator/store/store';
import type { OperationRecord } from '../../../src/emulator/store/records';
import { machineShape, machineTypeProblem, zonesOf } from '../../../src/gke/rules';
import { loadSpecFile, parseSpec, SpecValidationError } from '../../../src/envspec';
import { runCli } from '../../helpers/cli';

const tmp = (p: string) => fs.mkdtempSync(path.join(process.env.GKEFLOW_TEST_TMP ?? os.tmpdir(), p));
const examples = path.join(__dirname, '..', '..', '..', 'examples');

/** Nine levels of ten aliases each: a billion strings once expanded. */
const aliasBomb = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
].join('\n');

void test('a YAML alias bomb is a spec problem (exit 2, clear message), not a crash', async () => {
  assert.throws(
    () => parseSpec(aliasBomb, 'bomb.yaml'),
    (e: Error) => e instanceof SpecValidationError && /alias/i.test(e.message),
  );
  const dir = tmp('bomb-');
  fs.writeFileSync(path.join(dir, 'bomb.yaml'), aliasBomb);
  const r = await runCli(['validate', '-f', path.join(dir, 'bomb.yaml')], {}, 60_000);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /alias/i);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

void test('constructor and __proto__ are not machine types or regions with known shapes or zones', () => {
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    assert.equal(typeof machineTypeProblem(name), 'string', name);
    assert.deepEqual(machineShape(name), { cpus: 2, memoryMb: 8192 }, name);
    assert.deepEqual(zonesOf(name), [`${name}-a`, `${name}-b`, `${name}-c`], name);
  }
  assert.deepEqual(machineShape('e2-constructor-4'), { cpus: 4, memoryMb: 16384 });
});

void test('emulator name errors echo at most a bounded piece of the input', () => {
  const huge = `projects/${'p'.repeat(100_000)}/locations/us-central1-a`;
  for (const call of [
    () => parseParent(huge, {}),
    () => parseParent('x'.repeat(100_000), {}),
    () => parseClusterName(`${huge}/clusters/${'c'.repeat(100_000)}`, {}),
  ]) {
    assert.throws(call, (e: Error) => e.message.length < 400 && /characters/.test(e.message));
  }
});

void test('relative oci: and oci-archive: sources resolve against the spec file, not the worker', () => {
  const dir = tmp('spec-');
  const text = fs
    .readFileSync(path.join(examples, 'tensorflow-notebook.yaml'), 'utf8')
    .replace('source: builtin:demo', 'source: oci-archive:images/app.tar');
  fs.writeFileSync(path.join(dir, 'spec.yaml'), text);
  assert.equal(
    loadSpecFile(path.join(dir, 'spec.yaml')).image?.source,
    `oci-archive:${path.join(dir, 'images/app.tar')}`,
  );
  fs.writeFileSync(path.join(dir, 'layout.yaml'), text.replace('oci-archive:images/app.tar', 'oci:./layout:v2'));
  assert.equal(loadSpecFile(path.join(dir, 'layout.yaml')).image?.source, `oci:${path.join(dir, 'layout')}:v2`);
  fs.writeFileSync(path.join(dir, 'abs.yaml'), text.replace('oci-archive:images/app.tar', 'oci-archive:/srv/app.tar'));
  assert.equal(loadSpecFile(path.join(dir, 'abs.yaml')).image?.source, 'oci-archive:/srv/app.tar');
});

const op = (i: number, status: OperationRecord['status']): OperationRecord => ({
  name: `operation-${i}`,
  project: 'p',
  location: 'l',
  operationType: 'SET_LABELS',
  status,
  detail: '',
  targetLink: '',
  selfLink: '',
  startTime: new Date().toISOString(),
  percent: 0,
  stage: '',
  clusterId: 'p/l/c',
});

void test('emulator operations are pruned: finished ones beyond the limit go, running ones stay', () => {
  const store = new EmulatorStore(tmp('store-'));
  store.beginOperation(op(0, 'RUNNING'));
  for (let i = 1; i <= MAX_DONE_OPERATIONS + 50; i++) store.beginOperation(op(i, 'DONE'));
  store.flush();
  const kept = JSON.parse(fs.readFileSync(store.file, 'utf8')) as { operations: OperationRecord[] };
  assert.equal(kept.operations.length, MAX_DONE_OPERATIONS + 1);
  assert.ok(
    kept.operations.some((o) => o.name === 'operation-0'),
    'the running one is kept',
  );
  assert.ok(!kept.operations.some((o) => o.name === 'operation-1'), 'the oldest finished one went');
});

void test('emulator state is not rewritten on every tick, and a failing write is logged, not fatal', async () => {
  const writes: string[] = [];
  const realRename = fs.renameSync;
  let failing = true;
  // Every state write ends in a rename onto emulator.json; count them, and fail them at first.
  fs.renameSync = (from: fs.PathLike, to: fs.PathLike) => {
    if (String(to).endsWith('emulator.json')) {
      writes.push(String(to));
      if (failing) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    }
    realRename(from, to);
  };
  const logs: string[] = [];
  try {
    const store = new EmulatorStore(tmp('store-'), (l) => logs.push(l));
    store.beginOperation(op(1, 'RUNNING'));
    for (let i = 0; i < 20; i++) {
      store.recordProgress('operation-1', i * 5, 'working');
      store.markOperationRunning('operation-1');
      await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, SAVE_DELAY_MS * 3));
    assert.ok(writes.length <= 2, `${writes.length} writes for 20 ticks of changes`);
    assert.equal(logs.filter((l) => /cannot write state file/.test(l)).length, 1, logs.join('\n'));
    failing = false;
    await new Promise((r) => setTimeout(r, 2500)); // the retry
    assert.ok(
      logs.some((l) => /written again/.test(l)),
      logs.join('\n'),
    );
  } finally {
    fs.renameSync = realRename;
  }
});
