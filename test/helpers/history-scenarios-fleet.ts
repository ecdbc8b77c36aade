/**
 * Recorded scenarios of the fleet health sweep (PATCHES.fleetSweep): an environment the sweep
 * watches, woken only when its verdict changes, and the sweep workflow's own history.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { HealthReport } from '../../src/contract/cluster-io';
import { fleetQuery, formatHealthSweepId } from '../../src/contract/fleet-health';
import { statusQuery, teardownUpdate } from '../../src/workflows';
import type { Scenario } from './history-scenarios';
import { eventually, FAST, healthyReport, resizedReport, startEnv, testInput, type Stub } from './workflows';

const TUNING = { ...FAST, healthCheckInterval: 300 };

/**
 * A sweep of its own per task queue: test runs share a dev server, and a sweep is found by target,
 * project, location and owner, so each test's environments carry an owner made from its queue.
 */
export const ownerFor = (taskQueue: string) =>
  taskQueue
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .slice(0, 63);

const bare = (cluster: string, taskQueue: string) => ({
  ...testInput((d) => {
    (d.cluster as { name: string }).name = cluster;
    d.steps = [];
  }, TUNING),
  owner: ownerFor(taskQueue),
});

/** The sweep of a task queue's test environments (local target, project gkeflow-test, asia-east1-a). */
export const testSweepId = (taskQueue: string) =>
  formatHealthSweepId({
    target: 'local',
    project: 'gkeflow-test',
    location: 'asia-east1-a',
    owner: ownerFor(taskQueue),
  });

const fleetOf = (client: Client, taskQueue: string) => client.workflow.getHandle(testSweepId(taskQueue));

/** What the stubbed cloud answers for each environment, switched by the scenario as it drives. */
let world: (envId: string) => HealthReport | 'fail' = () => healthyReport();

const scripted = (stub: Stub): void => {
  stub.activities.checkHealth = async (i) => {
    const r = world(i.env.id);
    return r === 'fail' ? healthyReport() : r;
  };
  stub.activities.sweepHealth = async (i) => {
    const reports: Record<string, HealthReport> = {};
    for (const t of i.targets) {
      const r = world(t.env.id);
      if (r === 'fail') throw ApplicationFailure.retryable('GKE API unavailable', 'TransientCloudError');
      reports[t.env.id] = r;
    }
    return { reports, clustersListed: i.targets.length };
  };
};

export const FLEET_SCENARIOS: Scenario[] = [
  {
    // s6-fleet-sweep: watched (no timer, no activity of its own), the sweep sees a pool resized,
    // the environment confirms with its own check (degraded), then the sweep sees it healed.
    name: 'fleet-sweep-drift',
    prepare: (stub) => {
      world = () => healthyReport();
      scripted(stub);
    },
    drive: async (client, tq, cluster) => {
      const h = await startEnv(client, tq, bare(cluster, tq));
      await eventually(
        () => h.query(statusQuery),
        (s) => s.phase === 'running' && s.watchedBy !== undefined,
      );
      world = () => resizedReport();
      await eventually(
        () => h.query(statusQuery),
        (s) => s.phase === 'degraded',
      );
      world = () => healthyReport();
      await eventually(
        () => h.query(statusQuery),
        (s) => s.phase === 'running' && s.drift === undefined,
      );
      await h.executeUpdate(teardownUpdate, { args: [{}] });
      await h.result();
      return h;
    },
  },
  {
    // s6-fleet-sweep: the sweep's own history: two environments watched, a failed sweep (no
    // signal), one drifted and healed, one whose cluster went (lost through its own checks,
    // unwatched), the other torn down (unwatched): the list is empty and the sweep waits.
    name: 'fleet-sweep-workflow',
    prepare: (stub) => {
      world = () => healthyReport();
      scripted(stub);
    },
    drive: async (client, tq, cluster) => {
      const a = await startEnv(client, tq, bare(`${cluster}-a`, tq));
      const b = await startEnv(client, tq, bare(`${cluster}-b`, tq));
      const fleet = fleetOf(client, tq);
      await eventually(
        () => fleet.query(fleetQuery).catch(() => undefined),
        (f) => f?.watching.length === 2,
      );
      world = () => 'fail';
      await eventually(
        () => fleet.query(fleetQuery),
        (f) => f.lastError !== undefined,
      );
      world = (id) => (id === a.workflowId ? resizedReport() : healthyReport());
      await eventually(
        () => a.query(statusQuery),
        (s) => s.phase === 'degraded',
      );
      world = (id) => (id === a.workflowId ? healthyReport() : { cluster: 'MISSING', pools: [] });
      await b.result().catch(() => undefined);
      await eventually(
        () => a.query(statusQuery),
        (s) => s.phase === 'running',
      );
      await a.executeUpdate(teardownUpdate, { args: [{}] });
      await a.result();
      await eventually(
        () => fleet.query(fleetQuery),
        (f) => f.watching.length === 0,
      );
      const d = await fleet.describe();
      return { workflowId: d.workflowId, firstExecutionRunId: d.runId };
    },
  },
];
