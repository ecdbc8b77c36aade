import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterSummary } from '../../../src/contract/reaper-io';
import { formatEnvId } from '../../../src/contract/environment-id';
import { envHash, expiresAtLabel, LABELS, MANAGED_BY_VALUE } from '../../../src/contract/labels';
import { classify, type ReapDecision } from '../../../src/workflows/reaper/plan';
import { compactTodo, expandTodo } from '../../../src/workflows/reaper/carry';
import { FakeGke } from '../../helpers/fake-gke';
import { reaperActivities } from '../../../src/activities/reaper';
import { clusterCursor } from '../../../src/contract/reaper-io';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const HOUR = 3_600_000;
const OWNER = 'aaaaaaaaaaaa';

function summary(project: string, location: string, name: string, namespace?: string, expired = true): ClusterSummary {
  const id = formatEnvId({ project, location, cluster: name, namespace });
  return {
    project,
    location,
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    status: 'RUNNING',
    labels: {
      [LABELS.managedBy]: MANAGED_BY_VALUE,
      [LABELS.env]: envHash(id),
      [LABELS.owner]: OWNER,
      ...(expired ? { [LABELS.expiresAt]: expiresAtLabel(NOW - HOUR) } : {}),
    },
    createdAtMs: NOW - 2 * HOUR,
  };
}

void test('a carried todo rebuilds every cluster, namespace and live-environment decision exactly as classify made it', () => {
  const rules = { owner: OWNER };
  const ds: ReapDecision[] = [
    classify(summary('p1', 'us-central1-a', 'a'), new Set(), NOW, 0, rules),
    classify(summary('p1', 'us-central1-a', 'b', undefined, false), new Set(), NOW, 0, rules),
    classify(summary('p2', 'europe-west1', 'c'), new Set(), NOW, 0, rules),
    classify(summary('p1', 'us-central1-a', 'shared', 'team-a'), new Set(), NOW, 0, rules),
    classify(
      summary('p1', 'us-central1-a', 'live'),
      new Set([formatEnvId({ project: 'p1', location: 'us-central1-a', cluster: 'live' })]),
      NOW,
      0,
      rules,
    ),
  ];
  assert.deepEqual(
    ds.map((d) => `${d.action}:${d.reason}`),
    ['delete:expired', 'delete:orphaned', 'delete:expired', 'delete:expired', 'end:expired'],
  );
  const repository: ReapDecision = {
    envId: 'gkeflow/p1/us-central1-a/gone',
    project: 'p1',
    location: 'us-central1-a',
    cluster: 'gone',
    repository: 'projects/p1/locations/us/repositories/gone',
    action: 'delete',
    reason: 'orphaned repository: its run ended before its cluster existed',
    workflowId: 'gkeflow-teardown/p1/us-central1-a/gone',
  };
  const c = compactTodo([...ds, repository]);
  assert.deepEqual(c.whole, [repository], 'a repository leftover is carried whole');
  const back = expandTodo(JSON.parse(JSON.stringify(c)) as typeof c);
  assert.equal(back.length, ds.length + 1);
  for (const d of [...ds, repository])
    assert.deepEqual(
      back.find((x) => x.envId === d.envId && x.repository === d.repository),
      d,
    );
});

void test('10,000 teardowns left fit in a continue-as-new input far below the 2 MiB payload limit', () => {
  const ds = Array.from({ length: 10_000 }, (_, i) =>
    classify(summary(`bench-reaper-${i % 10}`, 'us-central1-a', `expired-${i}`), new Set(), NOW, 0, { owner: OWNER }),
  );
  const whole = JSON.stringify(ds).length;
  const compact = JSON.stringify(compactTodo(ds)).length;
  assert.ok(whole > 2 * 1024 * 1024, `the whole decisions are ${whole} bytes`);
  assert.ok(compact < 256 * 1024, `the compact todo is ${compact} bytes`);
  assert.equal(expandTodo(compactTodo(ds)).length, 10_000);
});

void test('listClusters with a limit answers one page in cursor order, resumes after the cursor, and keeps only gkeflow labels', async () => {
  const gke = new FakeGke();
  const names = Array.from({ length: 7 }, (_, i) => `c-${i}`);
  for (const n of [...names].reverse())
    gke.clusters.set(`projects/p/locations/us-central1-a/clusters/${n}`, {
      name: n,
      location: 'us-central1-a',
      status: 'RUNNING' as never,
      resourceLabels: { [LABELS.managedBy]: MANAGED_BY_VALUE, team: 'payments', [LABELS.owner]: OWNER },
      createTime: new Date(NOW).toISOString(),
    });
  const acts = reaperActivities({ gke });
  const all = await acts.listClusters({ project: 'p', location: '-' });
  assert.equal(all.length, 7);
  assert.equal(all[0]!.labels.team, 'payments', 'without a limit: every label, as before');
  const first = await acts.listClusters({ project: 'p', location: '-', limit: 3 });
  assert.deepEqual(
    first.map((c) => c.name),
    ['c-0', 'c-1', 'c-2'],
  );
  assert.deepEqual(first[0]!.labels, { [LABELS.managedBy]: MANAGED_BY_VALUE, [LABELS.owner]: OWNER });
  const second = await acts.listClusters({ project: 'p', location: '-', limit: 3, after: clusterCursor(first[2]!) });
  assert.deepEqual(
    second.map((c) => c.name),
    ['c-3', 'c-4', 'c-5'],
  );
  // A cluster deleted between pages shifts nothing: the next page resumes after the cursor.
  gke.clusters.delete('projects/p/locations/us-central1-a/clusters/c-1');
  const third = await acts.listClusters({ project: 'p', location: '-', limit: 3, after: clusterCursor(second[2]!) });
  assert.deepEqual(
    third.map((c) => c.name),
    ['c-6'],
  );
});
