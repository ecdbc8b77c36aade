// The cluster fields of a spec as GCP has them today (issue 9): any well-formed region, zone and
// machine type; f1-micro refused; EXTENDED; node service account and network; per-zone counts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSpec } from '../../../src/envspec';
import { ensureClusterInputOf } from '../../../src/workflows/requests';
import { baseDoc, issuesOf } from './helpers';

void test('accepts regions, zones and machine types newer than any list (us-east5, europe-west9, me-central1, c3, n2-highmem)', () => {
  for (const [location, machineType] of [
    ['us-east5', 'e2-standard-2'],
    ['europe-west9-a', 'n2-highmem-8'],
    ['me-central1', 'c3-standard-22'],
    ['africa-south1-b', 'n2-custom-4-8192'],
    ['northamerica-northeast2', 'g1-small'],
  ] as const) {
    const d = baseDoc();
    d.location = location;
    d.image.repository = undefined;
    d.cluster.nodePools[0].machineType = machineType;
    const r = checkSpec(d);
    assert.ok(r.ok, `${location} ${machineType}: ${JSON.stringify(r.ok ? '' : r.issues)}`);
    assert.equal(r.spec.image?.repository.split('-docker.pkg.dev/')[0], location.replace(/-[a-z]$/, ''));
  }
});

void test('refuses f1-micro (GKE does not run nodes on it), naming the field', () => {
  const d = baseDoc();
  d.cluster.nodePools[0].machineType = 'f1-micro';
  const [issue] = issuesOf(d);
  assert.equal(issue?.path, 'cluster.nodePools[0].machineType');
  assert.match(issue?.message ?? '', /f1-micro/);
});

void test('accepts release channel EXTENDED, a node service account, alias IPs and a network/subnetwork', () => {
  const d = baseDoc();
  d.cluster.releaseChannel = 'EXTENDED';
  d.cluster.serviceAccount = 'gke-nodes@gkeflow-demo.iam.gserviceaccount.com';
  d.cluster.useIpAliases = true;
  d.cluster.network = 'prod-vpc';
  d.cluster.subnetwork = 'projects/gkeflow-demo/regions/asia-east1/subnetworks/nodes';
  const r = checkSpec(d);
  assert.ok(r.ok, JSON.stringify(r.ok ? '' : r.issues));
  assert.equal(r.spec.cluster.releaseChannel, 'EXTENDED');
  assert.equal(r.spec.cluster.serviceAccount, 'gke-nodes@gkeflow-demo.iam.gserviceaccount.com');
  assert.equal(r.spec.cluster.network, 'prod-vpc');
});

void test('refuses a malformed service account, useIpAliases false and a bad network, each by its field', () => {
  const d = baseDoc();
  d.cluster.serviceAccount = 'not an email';
  d.cluster.useIpAliases = false;
  d.cluster.network = 'Bad Net';
  assert.deepEqual(
    issuesOf(d)
      .map((i) => i.path)
      .sort(),
    ['cluster.network', 'cluster.serviceAccount', 'cluster.useIpAliases'],
  );
});

void test('node counts are per zone: a regional cluster’s message states the per-zone count with the total', () => {
  const d = baseDoc();
  d.location = 'asia-east1';
  d.cluster.nodePools[0].nodeCount = 5;
  d.cluster.nodePools[0].autoscaling = { min: 1, max: 3 };
  const [issue] = issuesOf(d);
  assert.equal(issue?.path, 'cluster.nodePools[0].nodeCount');
  assert.equal(
    issue?.message,
    'must be within autoscaling bounds 1..3 nodes per zone (got 5 per zone, 15 nodes in 3 zones)',
  );
  const zonal = baseDoc();
  zonal.cluster.nodePools[0].nodeCount = 0;
  assert.equal(issuesOf(zonal)[0]?.message, 'must be at least 1 node per zone');
});

void test('the cluster request carries the node service account, network and subnetwork of the spec', () => {
  const d = baseDoc();
  d.cluster.serviceAccount = 'gke-nodes@gkeflow-demo.iam.gserviceaccount.com';
  d.cluster.network = 'prod-vpc';
  d.cluster.subnetwork = 'nodes';
  const r = checkSpec(d);
  assert.ok(r.ok);
  const env = {
    id: 'gkeflow/gkeflow-demo/asia-east1-a/demo',
    project: 'gkeflow-demo',
    location: 'asia-east1-a',
    cluster: 'demo',
  };
  const input = ensureClusterInputOf(r.spec, env, {});
  assert.equal(input.serviceAccount, 'gke-nodes@gkeflow-demo.iam.gserviceaccount.com');
  assert.equal(input.network, 'prod-vpc');
  assert.equal(input.subnetwork, 'nodes');
  assert.equal('serviceAccount' in ensureClusterInputOf(validBase(), env, {}), false);
});

function validBase() {
  const r = checkSpec(baseDoc());
  assert.ok(r.ok);
  return r.spec;
}
