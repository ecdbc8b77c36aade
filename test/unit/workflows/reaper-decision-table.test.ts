/**
 * docs/reaper.md's decision table is the reaper's rule book: this test parses it and checks every
 * combination of its columns against classify(), so the table and the code stay equal.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { ClusterSummary } from '../../../src/contract/reaper-io';
import { formatEnvId } from '../../../src/contract/environment-id';
import { envHash, expiresAtLabel, LABELS, MANAGED_BY_VALUE } from '../../../src/contract/labels';
import { classify, SKIP_REASONS } from '../../../src/workflows/reaper/plan';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const MIN = 60_000;
const GRACE = 30 * MIN;
const OURS = 'aaaaaaaaaaaa';

/** Every value each column can take. */
const DOMAIN: Record<string, string[]> = {
  'managed-by': ['gkeflow', 'none'],
  protect: ['true', 'none'],
  env: ['own', 'other'],
  'reaper owner': ['set', 'none'],
  'owner label': ['ours', 'other', 'none'],
  created: ['known', 'unknown'],
  expiry: ['past', 'future', 'none', 'malformed'],
  'open run': ['yes', 'no'],
  status: ['RUNNING', 'STOPPING'],
  age: ['old', 'young'],
};
const COLUMNS = Object.keys(DOMAIN);

interface Row {
  line: string;
  cells: Record<string, string[]>;
  verdict: string;
}

function readTable(): Row[] {
  const doc = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'reaper.md'), 'utf8');
  const m = /<!-- decision-table -->\n([\s\S]*?)<!-- \/decision-table -->/.exec(doc);
  assert.ok(m, 'docs/reaper.md has a <!-- decision-table --> block');
  const lines = m[1]!.trim().split('\n');
  const split = (l: string) =>
    l
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((c) => c.trim());
  assert.deepEqual(split(lines[0]!), [...COLUMNS, 'verdict'], 'the table has the columns the test knows');
  return lines.slice(2).map((line) => {
    const cells = split(line);
    const row: Row = { line, cells: {}, verdict: cells[COLUMNS.length]! };
    COLUMNS.forEach((col, i) => {
      const cell = cells[i]!;
      const values = cell === 'any' ? DOMAIN[col]! : cell.split(',').map((v) => v.trim());
      for (const v of values) assert.ok(DOMAIN[col]!.includes(v), `${line}: '${v}' is not a value of ${col}`);
      row.cells[col] = values;
    });
    return row;
  });
}

type Combo = Record<string, string>;

function* combos(i = 0, acc: Combo = {}): Generator<Combo> {
  if (i === COLUMNS.length) return yield { ...acc };
  for (const v of DOMAIN[COLUMNS[i]!]!) yield* combos(i + 1, { ...acc, [COLUMNS[i]!]: v });
}

/** The cluster, open set and owner a combination describes. */
function clusterOf(
  c: Combo,
  namespace?: string,
): { cluster: ClusterSummary; open: Set<string>; owner: string | undefined } {
  const name = 'table';
  const id = formatEnvId({ project: 'p-table', location: 'us-central1-a', cluster: name, namespace });
  const createdAtMs = c.created === 'unknown' ? 0 : c.age === 'old' ? NOW - 2 * GRACE : NOW - GRACE / 3;
  const labels: Record<string, string> = {};
  if (c['managed-by'] === 'gkeflow') labels[LABELS.managedBy] = MANAGED_BY_VALUE;
  if (c.protect === 'true') labels[LABELS.protect] = 'true';
  labels[LABELS.env] = c.env === 'own' ? envHash(id) : envHash('someone-else');
  if (c['owner label'] !== 'none') labels[LABELS.owner] = c['owner label'] === 'ours' ? OURS : 'bbbbbbbbbbbb';
  if (c.expiry === 'past') labels[LABELS.expiresAt] = expiresAtLabel(NOW - GRACE / 6);
  if (c.expiry === 'future') labels[LABELS.expiresAt] = expiresAtLabel(NOW + GRACE);
  if (c.expiry === 'malformed') labels[LABELS.expiresAt] = '0';
  const cluster = {
    project: 'p-table',
    location: 'us-central1-a',
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    status: c.status!,
    labels,
    createdAtMs,
  };
  return {
    cluster,
    open: new Set(c['open run'] === 'yes' ? [id] : []),
    owner: c['reaper owner'] === 'set' ? OURS : undefined,
  };
}

/** A verdict cell as classify's action and reason. */
function expected(verdict: string): string {
  const [action, reason = ''] = verdict.split(' ');
  if (action === 'skip') {
    const text = (SKIP_REASONS as Record<string, string>)[reason];
    assert.ok(text, `verdict '${verdict}': no SKIP_REASONS.${reason}`);
    return `skip:${text}`;
  }
  return `${action}:${reason}`;
}

void test('docs/reaper.md: every combination of the decision table is the verdict classify gives', () => {
  const rows = readTable();
  assert.ok(rows.length >= 10, 'the table has its rows');
  const used = new Set<Row>();
  let n = 0;
  for (const c of combos()) {
    const row = rows.find((r) => COLUMNS.every((col) => r.cells[col]!.includes(c[col]!)));
    assert.ok(row, `no row of the table covers ${JSON.stringify(c)}`);
    used.add(row);
    const { cluster, open, owner } = clusterOf(c);
    const d = classify(cluster, open, NOW, GRACE, { owner });
    assert.equal(`${d.action}:${d.reason}`, expected(row.verdict), `${JSON.stringify(c)} (row: ${row.line})`);
    n++;
  }
  assert.equal(
    n,
    COLUMNS.reduce((p, col) => p * DOMAIN[col]!.length, 1),
  );
  assert.deepEqual(
    rows.filter((r) => !used.has(r)).map((r) => r.line),
    [],
    'every row is the first match of some combination',
  );
});

void test('docs/reaper.md: a namespace environment (listNamespaces; status STOPPING while Terminating) gets the same verdicts, by its own id', () => {
  const rows = readTable();
  for (const c of combos()) {
    const row = rows.find((r) => COLUMNS.every((col) => r.cells[col]!.includes(c[col]!)))!;
    const { cluster, open, owner } = clusterOf(c, 'pr-1');
    const d = classify(cluster, open, NOW, GRACE, { owner });
    assert.equal(`${d.action}:${d.reason}`, expected(row.verdict), `${JSON.stringify(c)} (row: ${row.line})`);
    assert.equal(d.envId, 'gkeflow/p-table/us-central1-a/table/pr-1');
    assert.equal(d.namespace, 'pr-1');
    if (d.action === 'delete') assert.equal(d.workflowId, 'gkeflow-teardown/p-table/us-central1-a/table/pr-1');
  }
});
