// listClusterTable's compact listing (PATCHES.reaperOneList): what the activity answers, and how the reaper reads it back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clustersOfTable, type ClusterTable } from '../../../src/contract/reaper-io';
import type { Cluster } from '../../../src/clients/gke';
import { MAX_TABLE_BYTES, reaperActivities } from '../../../src/activities/reaper';
import { FakeGke } from '../../helpers/fake-gke';

void test('a cluster table reads back as summaries: absent labels stay absent, only rows marked 1 have a control plane', () => {
  const table: ClusterTable = {
    keys: ['gkeflow-env', 'gkeflow-protect', 'managed-by'],
    rows: [
      ['us-central1-a', 'a', 'RUNNING', 1_700_000_000_000, 0, 'abcdef012345', null, 'gkeflow'],
      ['europe-west1', 'b', 'STOPPING', 0, 1, null, 'true', null],
    ],
  };
  const { clusters, withControlPlane } = clustersOfTable('p', table);
  assert.deepEqual(clusters, [
    {
      project: 'p',
      location: 'us-central1-a',
      name: 'a',
      status: 'RUNNING',
      labels: { 'gkeflow-env': 'abcdef012345', 'managed-by': 'gkeflow' },
      createdAtMs: 1_700_000_000_000,
    },
    {
      project: 'p',
      location: 'europe-west1',
      name: 'b',
      status: 'STOPPING',
      labels: { 'gkeflow-protect': 'true' },
      createdAtMs: 0,
    },
  ]);
  assert.deepEqual(
    withControlPlane.map((c) => c.name),
    ['b'],
  );
  // An empty label value is a value (a label set to ''), not an absent label.
  const empty = clustersOfTable('p', { keys: ['gkeflow-owner'], rows: [['z', 'c', 'RUNNING', 1, 0, '']] });
  assert.deepEqual(empty.clusters[0]!.labels, { 'gkeflow-owner': '' });
});

void test("listClusterTable lists a project once: gkeflow's labels only, the control plane from the endpoint and CA, a table too big refused", async () => {
  const gke = new FakeGke();
  const at = (name: string) => `projects/p/locations/us-central1-a/clusters/${name}`;
  const base = {
    location: 'us-central1-a',
    status: 'RUNNING' as unknown as Cluster['status'],
    createTime: '2026-01-01T00:00:00Z',
  };
  gke.clusters.set(at('plain'), { ...base, name: 'plain', resourceLabels: { 'managed-by': 'gkeflow', team: 'x' } });
  gke.clusters.set(at('kube'), {
    ...base,
    name: 'kube',
    endpoint: '10.0.0.1',
    masterAuth: { clusterCaCertificate: 'Y2E=' },
  });
  const acts = reaperActivities({ gke });
  const table = await acts.listClusterTable({ project: 'p', location: '-' });
  assert.ok(!table.keys.includes('team'), 'only gkeflow label keys');
  const { clusters, withControlPlane } = clustersOfTable('p', table);
  assert.deepEqual(
    clusters.map((c) => [c.name, c.labels, c.createdAtMs]),
    [
      ['plain', { 'managed-by': 'gkeflow' }, Date.parse('2026-01-01T00:00:00Z')],
      ['kube', {}, Date.parse('2026-01-01T00:00:00Z')],
    ],
  );
  assert.deepEqual(
    withControlPlane.map((c) => c.name),
    ['kube'],
  );
  // A listing past MAX_TABLE_BYTES fails (the reaper reports the project) instead of a payload the server refuses.
  const long = 'x'.repeat(60);
  for (let i = 0; i < Math.ceil(MAX_TABLE_BYTES / 80); i++)
    gke.clusters.set(at(`c-${i}`), { ...base, name: `c-${i}`, resourceLabels: { 'gkeflow-env': long } });
  await assert.rejects(acts.listClusterTable({ project: 'p', location: '-' }), (e: Error) => {
    assert.equal(e.name, 'InvalidArgumentError');
    assert.match(e.message, /projects\/p\/locations\/-: \d+ clusters make a \d+-byte list/);
    return true;
  });
});
