import { checkSpec, type SpecIssue } from '../../../src/envspec';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test documents are mutated freely into invalid shapes
export type Doc = Record<string, any>;

/** A minimal valid spec document (before defaults), fresh on each call so tests can mutate it. */
export function baseDoc(): Doc {
  return {
    apiVersion: 'gkeflow/v1',
    kind: 'Environment',
    project: 'gkeflow-demo',
    location: 'asia-east1-a',
    cluster: { name: 'demo', nodePools: [{ name: 'default-pool', machineType: 'e2-small', nodeCount: 2 }] },
    image: { source: 'builtin:demo', repository: 'asia-docker.pkg.dev/gkeflow-demo/repo/app', tag: 'v1' },
    deployment: { name: 'app', replicas: 2, containers: [{ name: 'app', image: '$image', ports: [8888] }] },
    service: { ports: [{ port: 8888 }] },
  };
}

/** The issues of a document, failing the test when it unexpectedly validates. */
export function issuesOf(doc: unknown): SpecIssue[] {
  const r = checkSpec(doc);
  if (r.ok) throw new Error('expected the spec to be rejected');
  return r.issues;
}
