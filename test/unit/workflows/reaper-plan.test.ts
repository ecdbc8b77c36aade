import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterSummary } from '../../../src/contract/reaper-io';
import { cronProblem } from '../../../src/temporal/cron';
import { reportTable } from '../../../src/cli/commands/reap';
import { formatEnvId } from '../../../src/contract/environment-id';
import { envHash, expiresAtLabel, LABELS, MANAGED_BY_VALUE } from '../../../src/contract/labels';
import {
  capReport,
  classify,
  entryOf,
  reportMarkdown,
  SKIP_REASONS,
  type ReapReport,
} from '../../../src/workflows/reaper/plan';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const HOUR = 3_600_000;
const GRACE = 30 * 60_000;

function cluster(name: string, labels: Record<string, string> = {}, o: Partial<ClusterSummary> = {}): ClusterSummary {
  const id = formatEnvId({ project: 'p-reap', location: 'us-central1-a', cluster: name });
  return {
    project: 'p-reap',
    location: 'us-central1-a',
    name,
    status: 'RUNNING',
    labels: { [LABELS.managedBy]: MANAGED_BY_VALUE, [LABELS.env]: envHash(id), ...labels },
    createdAtMs: NOW - 2 * HOUR,
    ...o,
  };
}
const expired = { [LABELS.expiresAt]: expiresAtLabel(NOW - HOUR) };
const unexpired = { [LABELS.expiresAt]: expiresAtLabel(NOW + HOUR) };
const verdict = (c: ClusterSummary, open: string[] = []) => {
  const d = classify(c, new Set(open), NOW, GRACE);
  return `${d.action}:${d.reason}`;
};
const idOf = (name: string) => formatEnvId({ project: 'p-reap', location: 'us-central1-a', cluster: name });

void test('expired and orphaned clusters are torn down through a teardown id derived from the cluster', () => {
  assert.equal(verdict(cluster('a', expired)), 'delete:expired');
  assert.equal(verdict(cluster('b', unexpired)), 'delete:orphaned');
  assert.equal(verdict(cluster('c')), 'delete:orphaned');
  assert.equal(
    classify(cluster('a', expired), new Set(), NOW, GRACE).workflowId,
    'gkeflow-teardown/p-reap/us-central1-a/a',
  );
});

void test('an expired cluster with an open workflow is ended through that workflow', () => {
  const d = classify(cluster('live', expired), new Set([idOf('live')]), NOW, GRACE);
  assert.deepEqual([d.action, d.reason, d.workflowId], ['end', 'expired', idOf('live')]);
  assert.equal(entryOf(d).via, 'environment-workflow');
});

void test('foreign, protected, mislabelled, live, young and stopping clusters are never touched', () => {
  assert.equal(
    verdict(cluster('f', { ...expired, [LABELS.managedBy]: 'someone-else' })),
    `skip:${SKIP_REASONS.foreign}`,
  );
  assert.equal(verdict(cluster('p', { ...expired, [LABELS.protect]: 'true' })), `skip:${SKIP_REASONS.protected}`);
  assert.equal(verdict(cluster('m', { ...expired, [LABELS.env]: 'ffffffffffff' })), `skip:${SKIP_REASONS.mismatch}`);
  assert.equal(verdict(cluster('l', unexpired), [idOf('l')]), `skip:${SKIP_REASONS.live}`);
  assert.equal(verdict(cluster('y', unexpired, { createdAtMs: NOW - 60_000 })), `skip:${SKIP_REASONS.grace}`);
  assert.equal(verdict(cluster('s', expired, { status: 'STOPPING' })), `skip:${SKIP_REASONS.stopping}`);
});

void test('a malformed expiry label counts as no expiry (orphan rules apply)', () => {
  assert.equal(verdict(cluster('x', { [LABELS.expiresAt]: 'tomorrow' })), 'delete:orphaned');
  assert.equal(verdict(cluster('x', { [LABELS.expiresAt]: 'tomorrow' }), [idOf('x')]), `skip:${SKIP_REASONS.live}`);
});

void test('cron expressions: 5 fields, ranges, lists, steps, names and macros; problems name the field', () => {
  for (const ok of ['0 20 * * 1-5', '*/15 * * * *', '0 0 1,15 * *', '30 6 * jan-mar mon', '@hourly', '0 9 * * 7'])
    assert.equal(cronProblem(ok), undefined, ok);
  assert.match(cronProblem('61 * * * *')!, /field 1 '61'/);
  assert.match(cronProblem('0 24 * * *')!, /field 2/);
  assert.match(cronProblem('0 0 * *')!, /expected 5 fields/);
  assert.match(cronProblem('*/0 * * * *')!, /field 1/);
  assert.match(cronProblem('@sometimes')!, /expected 5 fields/);
});

void test('the report prints as a table and as Markdown', () => {
  const r: ReapReport = {
    dryRun: false,
    projects: ['p-reap'],
    locations: ['-'],
    orphanGraceMs: GRACE,
    at: NOW,
    scanned: 3,
    deleted: [entryOf(classify(cluster('a', expired), new Set(), NOW, GRACE))],
    planned: [],
    skipped: [entryOf(classify(cluster('f', { [LABELS.managedBy]: 'x' }), new Set(), NOW, GRACE))],
    failed: [{ ...entryOf(classify(cluster('b'), new Set(), NOW, GRACE)), cause: 'QuotaExceededError: no' }],
  };
  const table = reportTable(r).join('\n');
  assert.match(table, /deleted\s+gkeflow\/p-reap\/us-central1-a\/a\s+expired/);
  assert.match(table, /failed\s+gkeflow\/p-reap\/us-central1-a\/b\s+QuotaExceededError: no/);
  assert.match(table, /3 clusters in p-reap \(-\): 1 deleted, 1 skipped, 1 failed/);
  assert.match(reportMarkdown(r), /\*\*Deleted\*\* \(1\)/);
});

void test('issue 17: owner rules: unknown age or a malformed expiry is skipped with its reason, never deleted', () => {
  const owner = 'aaaaaaaaaaaa';
  const ours = { [LABELS.owner]: owner };
  const judged = (c: ClusterSummary) => {
    const d = classify(c, new Set(), NOW, GRACE, { owner });
    return `${d.action}:${d.reason}`;
  };
  // Before: createTime missing mapped to 0 (older than any grace) and `0` counted as long expired.
  assert.equal(
    judged(cluster('no-create', { ...ours, ...expired }, { createdAtMs: 0 })),
    `skip:${SKIP_REASONS.unknownAge}`,
  );
  assert.equal(judged(cluster('no-create-orphan', ours, { createdAtMs: 0 })), `skip:${SKIP_REASONS.unknownAge}`);
  for (const bad of ['0', 'abc', '-5', '1e9', '999999999', ''])
    assert.equal(
      judged(cluster(`bad-${bad}`, { ...ours, [LABELS.expiresAt]: bad })),
      `skip:${SKIP_REASONS.badExpiry}`,
      bad,
    );
  assert.equal(judged(cluster('fine', { ...ours, ...expired })), 'delete:expired');
  // Another installation's, or one without an owner label, is not judged at all.
  assert.equal(
    judged(cluster('theirs', { [LABELS.owner]: 'bbbbbbbbbbbb', ...expired })),
    `skip:${SKIP_REASONS.otherOwner}`,
  );
  assert.equal(judged(cluster('legacy', expired)), `skip:${SKIP_REASONS.unowned}`);
  assert.equal(
    classify(cluster('x', { ...ours, ...expired }), new Set(), NOW, GRACE, { owner: undefined }).reason,
    SKIP_REASONS.noOwner,
  );
  // Runs recorded before owners (no rules) keep the old verdicts.
  assert.equal(verdict(cluster('legacy', expired)), 'delete:expired');
});

void test('issue 17: the report a long reap carries across continue-as-new is capped; the counts keep every row', () => {
  const row = (i: number) => entryOf(classify(cluster(`c${i}`, expired), new Set(), NOW, GRACE));
  const report: ReapReport = {
    dryRun: false,
    projects: ['p-reap'],
    locations: ['-'],
    orphanGraceMs: GRACE,
    at: NOW,
    scanned: 1200,
    deleted: Array.from({ length: 1200 }, (_, i) => row(i)),
    planned: [],
    skipped: [row(0)],
    failed: [],
  };
  const capped = capReport(report, 500);
  assert.equal(capped.deleted.length, 500);
  assert.equal(capped.deleted[0]!.cluster, 'c700', 'the last rows are kept');
  assert.deepEqual(capped.omitted, { deleted: 700 });
  assert.equal(capped.skipped.length, 1);
  // Capped again after the next continue-as-new: the counts add up.
  const again = capReport({ ...capped, deleted: [...capped.deleted, ...capped.deleted] }, 500);
  assert.deepEqual(again.omitted, { deleted: 1200 });
  assert.match(reportMarkdown(capped), /1200 deleted/);
  assert.ok(JSON.stringify(capReport(report, 500)).length < JSON.stringify(report).length / 2);
  assert.equal(capReport(report, 5000).omitted, undefined);
});
