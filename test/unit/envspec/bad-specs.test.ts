import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseDoc, issuesOf, type Doc } from './helpers';

/** Each case breaks the base spec in one or more ways; every listed path must be reported, and nothing else. */
const cases: Array<{ kind: string; mutate: (d: Doc) => void; paths: string[]; message?: RegExp }> = [
  {
    kind: 'wrong apiVersion and kind',
    mutate: (d) => {
      d.apiVersion = 'v1';
      d.kind = 'Cluster';
    },
    paths: ['apiVersion', 'kind'],
  },
  {
    kind: 'missing required fields',
    mutate: (d) => {
      delete d.project;
      delete d.deployment.name;
    },
    paths: ['project', 'deployment.name'],
    message: /is required/,
  },
  {
    kind: 'bad project id',
    mutate: (d) => {
      d.project = 'My_Project';
      d.image.repository = 'asia-docker.pkg.dev/My_Project/repo/app';
    },
    paths: ['project', 'image.repository'],
  },
  {
    kind: 'malformed location',
    mutate: (d) => {
      d.location = 'Mars North';
    },
    paths: ['location'],
    message: /is not a GCP region/,
  },
  {
    kind: 'cluster name rules',
    mutate: (d) => {
      d.cluster.name = 'Demo_Cluster';
    },
    paths: ['cluster.name'],
    message: /lowercase letter/,
  },
  {
    kind: 'node pool name ending in a hyphen',
    mutate: (d) => {
      d.cluster.nodePools.push({ name: 'pool-', machineType: 'e2-small', nodeCount: 1 });
    },
    paths: ['cluster.nodePools[1].name'],
    message: /must not end with a hyphen/,
  },
  {
    kind: 'cluster name too long',
    mutate: (d) => {
      d.cluster.name = 'a'.repeat(41);
    },
    paths: ['cluster.name'],
    message: /at most 40/,
  },
  {
    kind: 'duplicate node pools',
    mutate: (d) => {
      d.cluster.nodePools.push({ name: 'default-pool', machineType: 'e2-medium', nodeCount: 1 });
    },
    paths: ['cluster.nodePools[1].name'],
    message: /duplicate node pool/,
  },
  {
    kind: 'f1-micro, which GKE refuses',
    mutate: (d) => {
      d.cluster.nodePools[0].machineType = 'f1-micro';
    },
    paths: ['cluster.nodePools[0].machineType'],
    message: /GKE does not run nodes on f1-micro/,
  },
  {
    kind: 'not a machine type name',
    mutate: (d) => {
      d.cluster.nodePools[0].machineType = 'E2 Medium';
    },
    paths: ['cluster.nodePools[0].machineType'],
  },
  {
    kind: 'node counts out of range',
    mutate: (d) => {
      d.cluster.nodePools[0].nodeCount = 0;
      d.cluster.nodePools.push({ name: 'big', machineType: 'e2-small', nodeCount: 2.5 });
    },
    paths: ['cluster.nodePools[0].nodeCount', 'cluster.nodePools[1].nodeCount'],
  },
  {
    kind: 'autoscaling min above max',
    mutate: (d) => {
      d.cluster.nodePools[0].autoscaling = { min: 5, max: 2 };
    },
    paths: ['cluster.nodePools[0].autoscaling'],
    message: /min \(5\) must not exceed max \(2\)/,
  },
  {
    kind: 'autopilot with node pools in a zone',
    mutate: (d) => {
      d.cluster.mode = 'autopilot';
    },
    paths: ['cluster.nodePools', 'location'],
  },
  {
    kind: 'unknown fields at several depths',
    mutate: (d) => {
      d.extra = 1;
      d.cluster.nodePools[0].size = 3;
      d.deployment.containers[0].imagePullPolicy = 'Always';
    },
    paths: ['extra', 'cluster.nodePools[0].size', 'deployment.containers[0].imagePullPolicy'],
    message: /unknown field/,
  },
  {
    kind: 'bad image references',
    mutate: (d) => {
      d.deployment.containers.push(
        { name: 'side', image: 'Nginx:latest' },
        { name: 'side2', image: 'nginx@sha256:abc' },
      );
    },
    paths: ['deployment.containers[1].image', 'deployment.containers[2].image'],
  },
  {
    kind: 'bad image source',
    mutate: (d) => {
      d.image.source = 'builtin:huge';
    },
    paths: ['image.source'],
    message: /unknown builtin/,
  },
  {
    kind: 'gcr.io-style repository outside Artifact Registry and a bad tag',
    mutate: (d) => {
      d.image.repository = 'docker.io/library/app';
      d.image.tag = '-bad';
    },
    paths: ['image.repository', 'image.tag'],
  },
  {
    kind: 'repository in another project',
    mutate: (d) => {
      d.image.repository = 'asia-docker.pkg.dev/other-project/repo/app';
    },
    paths: ['image.repository'],
    message: /project gkeflow-demo/,
  },
  {
    kind: 'port numbers out of range',
    mutate: (d) => {
      d.deployment.containers[0].ports = [70000];
      d.service.ports = [{ port: 0, targetPort: 70000 }];
    },
    paths: ['deployment.containers[0].ports[0]', 'service.ports[0].port', 'service.ports[0].targetPort'],
  },
  {
    kind: 'targetPort that is no container port',
    mutate: (d) => {
      d.service.ports[0].targetPort = 9999;
    },
    paths: ['service.ports[0].targetPort'],
    message: /not a container port/,
  },
  {
    kind: 'duplicate container names and ports',
    mutate: (d) => {
      d.deployment.containers.push({ name: 'app', image: 'nginx', ports: [8888] });
    },
    paths: ['deployment.containers[1].name', 'deployment.containers[1].ports[0]'],
  },
  {
    kind: 'duplicate and unnamed service ports',
    mutate: (d) => {
      d.service.ports = [{ port: 8888 }, { port: 8888 }];
    },
    paths: ['service.ports[0].name', 'service.ports[1].name', 'service.ports[1].port'],
  },
  {
    kind: 'non-DNS names',
    mutate: (d) => {
      d.deployment.name = 'App_1';
      d.deployment.namespace = '-ns';
      d.deployment.containers[0].name = 'App';
      d.service.name = '1svc';
    },
    paths: ['deployment.name', 'deployment.namespace', 'deployment.containers[0].name', 'service.name'],
  },
  {
    kind: 'replicas out of bounds',
    mutate: (d) => {
      d.deployment.replicas = 0;
      d.steps = [{ scale: 5000 }];
    },
    paths: ['deployment.replicas', 'steps[0].scale'],
  },
  {
    kind: 'bad quantities and limit below request',
    mutate: (d) => {
      d.deployment.containers[0].resources = {
        requests: { cpu: 'lots', memory: '256Mi' },
        limits: { memory: '128Mi', gpu: 1 },
      };
    },
    paths: [
      'deployment.containers[0].resources.requests.cpu',
      'deployment.containers[0].resources.limits.memory',
      'deployment.containers[0].resources.limits.gpu',
    ],
  },
  {
    kind: 'probe on a port the container lacks, with both handlers',
    mutate: (d) => {
      d.deployment.containers[0].readinessProbe = { httpGet: { path: '/', port: 1234 } };
      d.deployment.containers[0].livenessProbe = { httpGet: { path: '/', port: 8888 }, tcpSocket: { port: 8888 } };
    },
    paths: ['deployment.containers[0].readinessProbe', 'deployment.containers[0].livenessProbe'],
  },
  {
    kind: 'bad env var names',
    mutate: (d) => {
      d.deployment.containers[0].env = { '1BAD': 'x', OK: 1 };
    },
    paths: ['deployment.containers[0].env["1BAD"]'],
  },
  {
    kind: 'steps: two actions in one, unknown pool, unknown action',
    mutate: (d) => {
      d.steps = [
        { scale: 3, resize: { pool: 'default-pool', nodeCount: 3 } },
        { resize: { pool: 'gpu-pool', nodeCount: 1 } },
        { restart: true },
      ];
    },
    paths: ['steps[0]', 'steps[1].resize.pool', 'steps[2].restart', 'steps[2]'],
  },
  {
    kind: 'ttl malformed and out of bounds',
    mutate: (d) => {
      d.ttl = '2 hours';
    },
    paths: ['ttl'],
    message: /not a duration/,
  },
  {
    kind: 'ttl too long',
    mutate: (d) => {
      d.ttl = '400d';
    },
    paths: ['ttl'],
    message: /between 1s and 30d/,
  },
  {
    kind: 'reserved and malformed resource labels',
    mutate: (d) => {
      d.labels = { 'managed-by': 'me', Team: 'x', ok: 'UPPER' };
    },
    paths: ['labels["managed-by"]', 'labels.Team', 'labels.ok'],
  },
  {
    kind: '$image without an image section',
    mutate: (d) => {
      delete d.image;
    },
    paths: ['deployment.containers[0].image'],
    message: /no image section/,
  },
  {
    kind: 'service type other than LoadBalancer and probe status out of range',
    mutate: (d) => {
      d.service.type = 'NodePort';
      d.probe = { expectStatus: 700, path: 'health' };
    },
    paths: ['service.type', 'probe.expectStatus', 'probe.path'],
  },
  {
    kind: 'a pod label that would break the selector',
    mutate: (d) => {
      d.deployment.labels = { app: 'other' };
    },
    paths: ['deployment.labels.app'],
    message: /selector/,
  },
  {
    kind: 'wrong types everywhere',
    mutate: (d) => {
      d.cluster.nodePools = 'default-pool';
      d.deployment.containers = [];
      d.service.ports = {};
    },
    paths: ['cluster.nodePools', 'deployment.containers', 'service.ports'],
  },
];

for (const c of cases) {
  void test(`rejects a spec with ${c.kind}, naming every field at once`, () => {
    const doc = { ...baseDoc() };
    c.mutate(doc);
    const issues = issuesOf(doc);
    const paths = new Set(issues.map((i) => i.path));
    for (const p of c.paths) assert.ok(paths.has(p), `expected an issue at ${p}; got ${JSON.stringify(issues)}`);
    for (const p of paths) assert.ok(c.paths.includes(p), `unexpected issue at ${p}: ${JSON.stringify(issues)}`);
    if (c.message)
      assert.ok(
        issues.some((i) => c.message?.test(i.message)),
        `expected a message like ${c.message}; got ${JSON.stringify(issues)}`,
      );
  });
}

void test('reports problems from different sections together (schema and cross-field)', () => {
  const doc = baseDoc();
  doc.location = 'nowhere';
  doc.cluster.nodePools.push({ name: 'default-pool', machineType: 'e2-small', nodeCount: 1 });
  doc.service.ports[0].targetPort = 1;
  doc.ttl = '0s';
  const paths = issuesOf(doc)
    .map((i) => i.path)
    .sort();
  assert.deepEqual(paths, ['cluster.nodePools[1].name', 'location', 'service.ports[0].targetPort', 'ttl']);
});
