import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RepositorySummary } from '../../../src/contract/image-io';
import { reportTable } from '../../../src/cli/commands/reap';
import { formatEnvId } from '../../../src/contract/environment-id';
import { envHash, LABELS, MANAGED_BY_VALUE } from '../../../src/contract/labels';
import { entryOf, reportMarkdown, SKIP_REASONS, type ReapReport } from '../../../src/workflows/reaper/plan';
import {
  classifyRepository,
  ORPHANED_REPOSITORY,
  REPOSITORY_SKIP_REASONS,
  type RepositoryContext,
} from '../../../src/workflows/reaper/repositories';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const GRACE = 30 * 60_000;
const ZONE = 'us-central1-a';
const idOf = (cluster: string) => formatEnvId({ project: 'p-reap', location: ZONE, cluster });

function repo(cluster: string, o: Partial<RepositorySummary> = {}, labels: Record<string, string> = {}) {
  return {
    name: `projects/p-reap/locations/asia/repositories/${cluster}`,
    labels: { [LABELS.managedBy]: MANAGED_BY_VALUE, [LABELS.env]: envHash(idOf(cluster)), ...labels },
    createdAtMs: NOW - 2 * GRACE,
    images: 0,
    ...o,
  };
}

const known = ['gone', 'full', 'full-kept', 'live', 'young', 'clustered', 'protected'];
const ctx = (o: Partial<RepositoryContext> = {}): RepositoryContext => ({
  envIds: Object.fromEntries(known.map((c) => [envHash(idOf(c)), idOf(c)])),
  withCluster: new Set([idOf('clustered')]),
  open: new Set([idOf('live')]),
  resources: {
    [idOf('full')]: { namespace: 'd', service: 's', deployment: 'd', image: { repository: 'x', tag: 'v1' } },
  },
  projects: ['p-reap'],
  locations: ['-'],
  nowMs: NOW,
  graceMs: GRACE,
  ...o,
});
const verdict = (r: RepositorySummary, c = ctx()) => {
  const d = classifyRepository(r, c);
  return `${d.action}:${d.reason}`;
};

void test('a repository of an environment without cluster or open workflow is torn down by its teardown id, keeping no cluster', () => {
  const d = classifyRepository(repo('gone'), ctx());
  assert.deepEqual(d, {
    envId: idOf('gone'),
    project: 'p-reap',
    location: ZONE,
    cluster: 'gone',
    repository: 'projects/p-reap/locations/asia/repositories/gone',
    action: 'delete',
    reason: ORPHANED_REPOSITORY,
    workflowId: `gkeflow-teardown/p-reap/${ZONE}/gone`,
  });
  // Its tag is to be deleted: the images in it do not keep it.
  assert.equal(verdict(repo('full', { images: 1 })), `delete:${ORPHANED_REPOSITORY}`);
});

void test('repositories are kept when foreign, protected, unknown, clustered, live, young, unscanned or holding a kept image', () => {
  assert.equal(verdict(repo('gone', {}, { [LABELS.managedBy]: 'someone' })), `skip:${SKIP_REASONS.foreign}`);
  assert.equal(verdict({ ...repo('gone'), labels: {} }), `skip:${SKIP_REASONS.foreign}`);
  assert.equal(verdict(repo('protected', {}, { [LABELS.protect]: 'true' })), `skip:${SKIP_REASONS.protected}`);
  assert.equal(verdict(repo('stranger')), `skip:${REPOSITORY_SKIP_REASONS.unknown}`);
  assert.equal(verdict(repo('clustered')), `skip:${REPOSITORY_SKIP_REASONS.hasCluster}`);
  assert.equal(verdict(repo('live')), `skip:${SKIP_REASONS.live}`);
  assert.equal(verdict(repo('young', { createdAtMs: NOW - GRACE + 1000 })), `skip:${SKIP_REASONS.grace}`);
  assert.equal(verdict(repo('full-kept', { images: 2 })), `skip:${REPOSITORY_SKIP_REASONS.keepsImage}`);
  assert.equal(
    verdict(repo('gone'), ctx({ locations: ['europe-west1-b'] })),
    `skip:${REPOSITORY_SKIP_REASONS.notScanned}`,
  );
  assert.equal(verdict(repo('gone'), ctx({ locations: [ZONE] })), `delete:${ORPHANED_REPOSITORY}`);
  assert.equal(verdict(repo('gone'), ctx({ projects: ['other'] })), `skip:${REPOSITORY_SKIP_REASONS.notScanned}`);
});

void test('the CLI table names the repository of a repository entry', () => {
  const report: ReapReport = {
    dryRun: true,
    projects: ['p-reap'],
    locations: ['-'],
    orphanGraceMs: GRACE,
    at: NOW,
    scanned: 0,
    scannedRepositories: 1,
    deleted: [],
    planned: [entryOf(classifyRepository(repo('gone'), ctx()))],
    skipped: [],
    failed: [],
  };
  const lines = reportTable(report);
  assert.match(
    lines[1]!,
    /would delete\s+gkeflow\/p-reap\/us-central1-a\/gone\s+orphaned repository.*\(repository projects\/p-reap\/locations\/asia\/repositories\/gone\)/,
  );
  assert.match(lines.at(-1)!, /0 clusters and 1 repositories in p-reap/);
});

void test('the CLI table and the Web UI report say a repository the teardown kept was kept, and why', () => {
  const entry = { ...entryOf(classifyRepository(repo('gone'), ctx())), repositoryKept: 'it still holds 1 image' };
  const report: ReapReport = {
    dryRun: false,
    projects: ['p-reap'],
    locations: ['-'],
    orphanGraceMs: GRACE,
    at: NOW,
    scanned: 0,
    scannedRepositories: 1,
    deleted: [],
    kept: [entry],
    planned: [],
    skipped: [],
    failed: [],
  };
  const lines = reportTable(report);
  assert.match(lines[1]!, /^kept\s+gkeflow\/p-reap\/us-central1-a\/gone\s.*; repository kept: it still holds 1 image$/);
  assert.match(lines.at(-1)!, /: 0 deleted, 1 kept, 0 skipped/);
  const md = reportMarkdown(report);
  assert.match(md, /0 deleted, 1 kept, 0 skipped/);
  assert.match(md, /\*\*Kept\*\* \(1\)[\s\S]*\(repository kept: it still holds 1 image\)/);
});
