// The cluster shapes of issue 22 in the spec: Workload Identity, Shared VPC secondary ranges,
// private nodes and the control plane's endpoints. `plan` and `up` refuse (exit 2, naming the
// field, before connecting) a spec whose control plane the worker could not reach.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { checkSpec, loadSpecFile } from '../../../src/envspec';
import { ensureClusterInputOf } from '../../../src/workflows/requests';
import { createClusterRequestOf } from '../../../src/activities/gke';
import { assertErrorDocument, runJson } from '../../helpers/output-shapes';
import { baseDoc, issuesOf } from './helpers';

// Nothing here may reach a server: the CLI must refuse before connecting.
process.env.TEMPORAL_ADDRESS = '127.0.0.1:9';
process.env.GKEFLOW_EMULATOR_ADDRESS = '127.0.0.1:9';

const env = {
  id: 'gkeflow/gkeflow-demo/asia-east1-a/demo',
  project: 'gkeflow-demo',
  location: 'asia-east1-a',
  cluster: 'demo',
};

void test('workloadIdentity: true ⇒ workloadPool PROJECT.svc.id.goog and GKE_METADATA on every pool', () => {
  const d = baseDoc();
  d.cluster.workloadIdentity = true;
  d.cluster.nodePools.push({ name: 'second', machineType: 'e2-small', nodeCount: 1 });
  const r = checkSpec(d);
  assert.ok(r.ok, JSON.stringify(r.ok ? '' : r.issues));
  const req = createClusterRequestOf(ensureClusterInputOf(r.spec, env, {}));
  assert.deepEqual(req.workloadIdentityConfig, { workloadPool: 'gkeflow-demo.svc.id.goog' });
  assert.deepEqual(
    req.nodePools?.map((p) => p.config?.workloadMetadataConfig?.mode),
    ['GKE_METADATA', 'GKE_METADATA'],
  );
});

void test('a spec without the new fields asks GKE for exactly what it asked before (recorded inputs unchanged)', () => {
  const r = checkSpec(baseDoc());
  assert.ok(r.ok);
  const input = ensureClusterInputOf(r.spec, env, {});
  for (const k of ['workloadIdentity', 'secondaryRanges', 'privateNodes', 'controlPlaneEndpoints'])
    assert.equal(k in input, false, k);
  const req = createClusterRequestOf(input);
  assert.deepEqual(req.ipAllocationPolicy, { useIpAliases: true });
  assert.equal(req.workloadIdentityConfig, undefined);
  assert.equal(req.controlPlaneEndpointsConfig, undefined);
});

void test('Shared VPC: a host project subnetwork needs both secondary range names, each named by its field', () => {
  const d = baseDoc();
  d.cluster.subnetwork = 'projects/host-project/regions/asia-east1/subnetworks/shared';
  assert.deepEqual(
    issuesOf(d).map((i) => i.path),
    ['cluster.clusterSecondaryRangeName'],
  );
  d.cluster.clusterSecondaryRangeName = 'pods';
  const [issue] = issuesOf(d);
  assert.equal(issue?.path, 'cluster.servicesSecondaryRangeName');
  assert.match(issue?.message ?? '', /host project host-project \(Shared VPC\)/);
  d.cluster.servicesSecondaryRangeName = 'services';
  const r = checkSpec(d);
  assert.ok(r.ok, JSON.stringify(r.ok ? '' : r.issues));
  const req = createClusterRequestOf(ensureClusterInputOf(r.spec, env, {}));
  assert.deepEqual(req.ipAllocationPolicy, {
    useIpAliases: true,
    clusterSecondaryRangeName: 'pods',
    servicesSecondaryRangeName: 'services',
  });
  // The project's own subnetwork needs none; a bad range name is refused by its field.
  const own = baseDoc();
  own.cluster.subnetwork = 'projects/gkeflow-demo/regions/asia-east1/subnetworks/nodes';
  assert.ok(checkSpec(own).ok);
  own.cluster.clusterSecondaryRangeName = 'Pods_1';
  own.cluster.servicesSecondaryRangeName = 'services';
  assert.equal(issuesOf(own)[0]?.path, 'cluster.clusterSecondaryRangeName');
  // A subnetwork of another region, as GKE refuses it.
  const far = baseDoc();
  far.cluster.subnetwork = 'projects/gkeflow-demo/regions/us-east1/subnetworks/nodes';
  assert.match(
    issuesOf(far).find((i) => i.path === 'cluster.subnetwork')?.message ?? '',
    /us-east1; GKE needs the cluster's region asia-east1/,
  );
});

void test('private control plane: no public endpoint needs private nodes, and the DNS endpoint open to the worker', () => {
  const d = baseDoc();
  d.cluster.controlPlaneEndpoints = { enablePublicEndpoint: false };
  assert.deepEqual(
    issuesOf(d)
      .map((i) => i.path)
      .sort(),
    ['cluster.controlPlaneEndpoints.allowExternalTraffic', 'cluster.controlPlaneEndpoints.enablePublicEndpoint'],
  );
  d.cluster.privateNodes = true;
  d.cluster.controlPlaneEndpoints.allowExternalTraffic = true;
  const r = checkSpec(d);
  assert.ok(r.ok, JSON.stringify(r.ok ? '' : r.issues));
  const req = createClusterRequestOf(ensureClusterInputOf(r.spec, env, {}));
  assert.deepEqual(req.privateClusterConfig, { enablePrivateNodes: true });
  assert.deepEqual(req.controlPlaneEndpointsConfig, {
    dnsEndpointConfig: { allowExternalTraffic: true },
    ipEndpointsConfig: { enablePublicEndpoint: false },
  });
  // A worker inside the VPC may use the private endpoint (gcp only: the local target has no VPC).
  const inVpc = baseDoc();
  inVpc.target = 'gcp';
  inVpc.cluster.privateNodes = true;
  inVpc.cluster.controlPlaneEndpoints = { enablePublicEndpoint: false, workerInVpc: true };
  assert.ok(checkSpec(inVpc).ok);
  inVpc.target = 'local';
  assert.equal(issuesOf(inVpc)[0]?.path, 'cluster.controlPlaneEndpoints.workerInVpc');
});

void test('plan and up refuse an unreachable control plane: exit 2 naming the field, nothing started', async () => {
  const d = baseDoc();
  d.cluster.privateNodes = true;
  d.cluster.controlPlaneEndpoints = { enablePublicEndpoint: false };
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-shapes-')), 'private.yaml');
  fs.writeFileSync(file, stringify(d));
  for (const cmd of ['plan', 'up']) {
    const r = await runJson([cmd, '-f', file, '--output', 'json']);
    assert.equal(r.code, 2, `${cmd}: ${r.stderr}`);
    const problems = assertErrorDocument(r.doc, 'GKF-SPEC-INVALID');
    assert.ok(
      problems.some(
        (p) => p.path === 'cluster.controlPlaneEndpoints.allowExternalTraffic' && /could not reach/.test(p.message),
      ),
      `${cmd}: ${JSON.stringify(problems)}`,
    );
  }
});

void test('examples/private-cluster.yaml validates and asks GKE for Workload Identity, private nodes and the DNS endpoint', () => {
  const spec = loadSpecFile(path.join(__dirname, '../../../examples/private-cluster.yaml'));
  const req = createClusterRequestOf(ensureClusterInputOf(spec, env, {}));
  assert.equal(req.workloadIdentityConfig?.workloadPool, 'gkeflow-demo.svc.id.goog');
  assert.deepEqual(req.privateClusterConfig, { enablePrivateNodes: true });
  assert.equal(req.controlPlaneEndpointsConfig?.ipEndpointsConfig?.enablePublicEndpoint, false);
});
