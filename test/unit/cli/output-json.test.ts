import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertDocumentedShape, assertErrorDocument, documentedShapes, runJson } from '../../helpers/output-shapes';
import { COMMANDS } from '../../../src/cli/registry';
import { ServiceError } from '@temporalio/client';
import { errorDocument, temporalRefusal } from '../../../src/cli/output';

// No Temporal here: commands that need one fail with the error document (their success is in
// test/integration/cli/output-json.test.ts, against the real dev server).
process.env.TEMPORAL_ADDRESS = '127.0.0.1:9';
process.env.GKEFLOW_EMULATOR_ADDRESS = '127.0.0.1:9';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-output-'));
process.env.GKEFLOW_STATE_DIR = path.join(dir, 'state');
const bad = path.join(dir, 'bad.yaml');
fs.writeFileSync(
  bad,
  'apiVersion: gkeflow/v1\nkind: Environment\nproject: p\nlocation: us-central1-a\ncluster: { name: Bad_Name }\n',
);

void test('every command of the registry has a documented result shape (or is documented as lines)', () => {
  const shapes = documentedShapes();
  for (const c of COMMANDS)
    if (!['worker', 'codec-server'].includes(c.name)) assert.ok(shapes.has(c.name), `docs/cli-output.md: ${c.name}`);
});

void test('validate --output json: the normalised spec, or every problem with its path (exit 2)', async () => {
  const ok = await runJson(['validate', '-f', 'examples/tensorflow-notebook.yaml', '--output', 'json']);
  assert.equal(ok.code, 0);
  assertDocumentedShape('validate', ok.doc);
  const fail = await runJson(['validate', '-f', bad, '--json']);
  assert.equal(fail.code, 2);
  const problems = assertErrorDocument(fail.doc, 'GKF-SPEC-INVALID');
  assert.ok(
    problems.some((p) => p.path === 'cluster.name'),
    JSON.stringify(problems),
  );
  assert.ok(problems.length > 1, 'all problems, not the first');
});

void test('--output jsonl prints the result as one line; --output=json and -o work too', async () => {
  for (const flags of [['--output', 'jsonl'], ['--output=json'], ['-o', 'json']]) {
    const r = await runJson(['validate', '-f', 'examples/tensorflow-notebook.yaml', ...flags]);
    assertDocumentedShape('validate', r.doc);
  }
});

void test('a bad --output value, an unknown command and an unknown flag are error documents (exit 2)', async () => {
  assertErrorDocument((await runJson(['list', '--json', '--output', 'yaml'])).doc, 'GKF-USAGE');
  const cmd = await runJson(['statsu', 'x', '--json']);
  assert.equal(cmd.code, 2);
  assert.match(assertErrorDocument(cmd.doc, 'GKF-USAGE')[0]!.message, /did you mean 'status'/);
  const flag = await runJson(['status', 'x', '--jsn', '-o', 'json']);
  assert.match(assertErrorDocument(flag.doc, 'GKF-USAGE')[0]!.message, /did you mean '--json'/);
});

void test('--version --output json is {version} from package.json', async () => {
  const r = await runJson(['--version', '--output', 'json']);
  assertDocumentedShape('--version', r.doc);
  const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
  assert.equal((r.doc as { version: string }).version, pkg.version);
});

void test('bad flags of each command are an error document naming the flag (exit 2), before connecting', async () => {
  const cases: Array<[string[], string]> = [
    [['up', '-f', bad], 'cluster.name'],
    [['up', '-f', 'examples/tensorflow-notebook.yaml', '--wait', '--timeout', 'soon'], '--timeout'],
    [['down', 'x', '--wait', '--timeout', '0s'], '--timeout'],
    [['scale', 'x'], '--replicas'],
    [['scale', 'x', '--replicas', '2', '--timeout', 'x'], '--timeout'],
    [['resize', 'x', '--pool', 'p'], '--nodes'],
    [['extend', 'x', '--ttl', '99d'], '--ttl'],
    [['reap', '--orphan-grace', 'x'], '--orphan-grace'],
    [['schedule', 'create', 'n', '--every', '5x'], '--every'],
    [['stack', 'logs', 'nginx'], ''],
  ];
  for (const [argv, where] of cases) {
    const r = await runJson([...argv, '--output', 'json']);
    assert.equal(r.code, 2, argv.join(' '));
    const code = argv[0] === 'up' && where !== '--timeout' ? 'GKF-SPEC-INVALID' : 'GKF-USAGE';
    const problems = assertErrorDocument(r.doc, code);
    assert.ok(
      problems.some((p) => p.path === where),
      `${argv.join(' ')}: ${JSON.stringify(problems)}`,
    );
  }
});

void test('commands that need Temporal answer with the error document when it is unreachable (exit 1)', async () => {
  const cases = [
    ['status', 'x'],
    ['history', 'x'],
    ['open', 'x'],
    ['down', 'x', '--yes'],
    ['scale', 'x', '--replicas', '2'],
    ['resize', 'x', '--pool', 'p', '--nodes', '2'],
    ['extend', 'x', '--ttl', '2h'],
    ['list'],
    ['kubeconfig', 'x'],
    ['reap', '--yes'],
    ['schedule', 'ls'],
    ['schedule', 'describe', 'n'],
    ['schedule', 'pause', 'n'],
  ];
  // In parallel: each waits out the connection's retries (~5 s).
  const results = await Promise.all(cases.map((argv) => runJson([...argv, '--output', 'json'])));
  for (const [i, r] of results.entries()) {
    assert.equal(r.code, 1, cases[i]!.join(' '));
    assertErrorDocument(r.doc, 'GKF-TEMPORAL-UNREACHABLE');
  }
});

void test('stack status and stack toolchain --list print their documented arrays', async () => {
  const st = await runJson(['stack', 'status', '--output', 'json']);
  assertDocumentedShape('stack status', st.doc);
  const tc = await runJson(['stack', 'toolchain', '--list', '--json']);
  assert.equal(tc.code, 0, tc.stderr);
  assertDocumentedShape('stack toolchain', tc.doc);
});

void test('plan --output json for a new environment is the documented plan, nothing but JSON on stdout', async () => {
  const r = await runJson(['plan', '-f', 'examples/tensorflow-notebook.yaml', '--output', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assertDocumentedShape('plan', r.doc);
  const plan = r.doc as { environment: string; cluster: string[]; objects: unknown[] };
  assert.equal(plan.environment, 'new');
  assert.ok(plan.cluster.length > 0, JSON.stringify(plan));
  const bad = await runJson(['plan', '-f', path.join(dir, 'bad.yaml'), '--json']);
  assert.equal(bad.code, 2);
  assertErrorDocument(bad.doc, 'GKF-SPEC-INVALID');
});

void test('temporal setup --output json against no Temporal is an error document, not text', async () => {
  const r = await runJson(['temporal', 'setup', '--output', 'json']);
  assert.notEqual(r.code, 0);
  const e = (r.doc as { error?: { code?: string } }).error;
  assert.ok(e && typeof e.code === 'string', JSON.stringify(r.doc));
});

void test('a call the Temporal server refused is GKF-TEMPORAL-REFUSED with its reason, not a stack; other errors are untouched', async () => {
  const grpc = Object.assign(
    new Error('3 INVALID_ARGUMENT: Namespace default has no mapping defined for search attribute GkeflowProject'),
    { code: 3, details: 'Namespace default has no mapping defined for search attribute GkeflowProject' },
  );
  const refused = await temporalRefusal(new ServiceError('Failed to start Workflow', { cause: grpc }));
  assert.ok(refused);
  assert.equal(refused.code, 'GKF-TEMPORAL-REFUSED');
  assert.equal(refused.exitCode, 1);
  assert.equal(
    refused.message,
    'Temporal refused the call (Failed to start Workflow): 3 INVALID_ARGUMENT: Namespace default has no mapping defined for search attribute GkeflowProject',
  );
  const doc = errorDocument(refused);
  assert.equal(doc.doc.error.code, 'GKF-TEMPORAL-REFUSED');
  assert.doesNotMatch(doc.doc.error.message, /\n\s+at /, 'no stack');
  // A raw status error may be a Google API's: not labelled Temporal's.
  assert.equal(await temporalRefusal(grpc), undefined);
  assert.equal(await temporalRefusal(new Error('boom')), undefined);
  assert.equal(errorDocument(new Error('boom')).doc.error.code, 'GKF-INTERNAL');
});
