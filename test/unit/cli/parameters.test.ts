import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseDuration } from '../../../src/envspec';
import { specJsonSchema } from '../../../src/envspec/json-schema';
import { repoRoot } from '../../../src/paths';
import { cronProblem } from '../../../src/temporal/cron';
import { assertErrorDocument, runJson } from '../../helpers/output-shapes';

interface Validated {
  envId: string;
  spec: { cluster: { name: string }; deployment: { replicas: number }; image?: { tag: string } };
}

/** The real CLI with the spec on stdin. */
function validateStdin(spec: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'validate', '-f', '-', '--json', ...args],
    {
      cwd: repoRoot,
      input: spec,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    },
  );
  return {
    code: r.status,
    doc: JSON.parse(r.stdout) as Validated & { error?: { problems: { path: string; message: string }[] } },
  };
}

const example = fs.readFileSync(path.join(repoRoot, 'examples/tensorflow-notebook.yaml'), 'utf8');

void test('--set sets fields typed as YAML, --set-string keeps a string; a bad --set is exit 2 naming it', async () => {
  const r = await runJson([
    'validate',
    '-f',
    'examples/tensorflow-notebook.yaml',
    '--set',
    'cluster.name=pr-123',
    '--set',
    'deployment.replicas=3',
    '--set-string',
    'image.tag=1e3',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const v = r.doc as Validated;
  assert.equal(v.spec.cluster.name, 'pr-123');
  assert.match(v.envId, /\/pr-123$/);
  assert.equal(v.spec.deployment.replicas, 3);
  assert.equal(v.spec.image?.tag, '1e3');
  const typed = await runJson([
    'validate',
    '-f',
    'examples/tensorflow-notebook.yaml',
    '--set',
    'deployment.replicas=many',
    '--json',
  ]);
  assert.equal(typed.code, 2);
  assert.ok(assertErrorDocument(typed.doc, 'GKF-SPEC-INVALID').some((p) => p.path === 'deployment.replicas'));
  const bad = await runJson(['validate', '-f', 'examples/tensorflow-notebook.yaml', '--set', 'a..b=1', '--json']);
  assert.equal(bad.code, 2);
  assert.equal(assertErrorDocument(bad.doc, 'GKF-USAGE')[0]!.path, '--set');
});

void test('-f - reads the spec from stdin; --env-subst fills ${VAR} from the environment, only when asked', () => {
  const templ = example.replace('tensorflow-cluster001', 'pr-${PR_NUMBER}');
  const on = validateStdin(templ, ['--env-subst'], { PR_NUMBER: '42' });
  assert.equal(on.code, 0);
  assert.equal(on.doc.spec.cluster.name, 'pr-42');
  const off = validateStdin(templ, [], { PR_NUMBER: '42' });
  assert.equal(off.code, 2, 'without --env-subst ${PR_NUMBER} stays and is no cluster name');
  const unset = validateStdin(templ, ['--env-subst'], { PR_NUMBER: undefined });
  assert.equal(unset.code, 2);
  assert.deepEqual(unset.doc.error?.problems, [
    { path: 'cluster.name', message: '${PR_NUMBER} is not set in the environment' },
  ]);
});

void test('durations read as Go and Terraform write them, as before plus fractions and ms', () => {
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('90m'), 5_400_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('7d'), 604_800_000);
  for (const bad of ['2 h', '1.5', 'h', '-1h', '1h30']) assert.equal(parseDuration(bad), undefined, bad);
});

void test("cron as Temporal's Schedules take it: ?, names, 6 and 7 fields, @every, TZ= and comments", () => {
  for (const ok of [
    '0 9 ? * MON-FRI',
    '0 0 1 1 * 2027',
    '30 0 9 * * * *',
    '@every 2h',
    '@every 1h/15m',
    'CRON_TZ=Europe/Berlin 0 9 * * 1-5',
    '0 20 * * 1-5 # weekday evenings',
  ])
    assert.equal(cronProblem(ok), undefined, ok);
  assert.match(cronProblem('0 9 * * FUNDAY')!, /field 5 'FUNDAY' \(day-of-week\)/);
  assert.match(cronProblem('0 0 * * * * * *')!, /expected 5 fields/);
});

void test("gkeflow schema prints the spec's JSON Schema; docs/environment.schema.json is it and the examples point at it", async () => {
  const r = await runJson(['schema', '--json']);
  assert.equal(r.code, 0);
  assert.deepEqual(r.doc, specJsonSchema());
  const committed = JSON.parse(fs.readFileSync(path.join(repoRoot, 'docs/environment.schema.json'), 'utf8')) as unknown;
  assert.deepEqual(committed, specJsonSchema(), 'regenerate: npx gkeflow schema > docs/environment.schema.json');
  const props = (specJsonSchema().properties ?? {}) as Record<string, unknown>;
  for (const k of ['cluster', 'deployment', 'ttl']) assert.ok(k in props, k);
  // Every spec under examples/ (an app example's manifests are not specs: they sit in its k8s/ and overlays/).
  const specs = fs
    .readdirSync(path.join(repoRoot, 'examples'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml') && (!f.includes(path.sep) || /^[^/]+\/[^/]+\.yaml$/.test(f)));
  assert.ok(specs.length >= 4, specs.join(', '));
  for (const f of specs) {
    const schema = path.relative(path.dirname(path.join(repoRoot, 'examples', f)), path.join(repoRoot, 'docs'));
    assert.ok(
      fs
        .readFileSync(path.join(repoRoot, 'examples', f), 'utf8')
        .startsWith(`# yaml-language-server: $schema=${schema}/environment.schema.json\n`),
      f,
    );
  }
});

void test("docs/ci.md's pull-request spec validates with its variables set, and names the field when one is not", () => {
  const doc = fs.readFileSync(path.join(repoRoot, 'docs/ci.md'), 'utf8');
  const spec = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(spec, 'docs/ci.md has a yaml spec');
  const ok = validateStdin(spec, ['--env-subst'], { PR_NUMBER: '12', GIT_SHA: 'abc1234' });
  assert.equal(ok.code, 0, JSON.stringify(ok.doc));
  assert.match(ok.doc.envId, /\/pr-12$/);
  const missing = validateStdin(spec, ['--env-subst'], { PR_NUMBER: '12', GIT_SHA: undefined });
  assert.equal(missing.code, 2);
  assert.deepEqual(
    missing.doc.error?.problems.map((p) => p.path),
    ['image.source'],
  );
});
