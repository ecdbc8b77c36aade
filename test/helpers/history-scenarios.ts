/**
 * Scenarios whose histories are recorded into test/fixtures/histories for replay tests. Run
 * `GKEFLOW_RECORD_HISTORIES=1 node --import tsx --test test/unit/workflows/replay.test.ts` after a
 * deliberate, compatible change to the workflows (and review the diff); otherwise the recorded
 * files are what the current code must replay without nondeterminism.
 */
import type { Client } from '@temporalio/client';
import { scaleUpdate, statusQuery, teardownUpdate, type TeardownInput } from '../../src/workflows';
import type { teardownWorkflow } from '../../src/workflows/teardown';
import { eventually, FAST, startEnv, testInput, type ActivityName, type Fault } from './workflows';

/** One recorded scenario: its faults and what the client does. Returns the run whose history to keep. */
export interface Scenario {
  name: string;
  faults?: Partial<Record<ActivityName, Fault>>;
  drive: (
    client: Client,
    taskQueue: string,
    cluster: string,
  ) => Promise<{ workflowId: string; firstExecutionRunId: string }>;
}

const named = (cluster: string, tuning = FAST) =>
  testInput((d) => ((d.cluster as { name: string }).name = cluster), tuning);

export const SCENARIOS: Scenario[] = [
  {
    name: 'happy-path-scale-teardown',
    drive: async (client, tq, cluster) => {
      const h = await startEnv(client, tq, named(cluster));
      await eventually(
        () => h.query(statusQuery),
        (s) => s.phase === 'running',
      );
      await h.executeUpdate(scaleUpdate, { args: [{ replicas: 4 }] });
      await h.executeUpdate(teardownUpdate, { args: [{}] });
      await h.result();
      return h;
    },
  },
  {
    name: 'apply-service-fails-compensates',
    faults: { applyService: { kind: 'permanent' } },
    drive: async (client, tq, cluster) => {
      const h = await startEnv(client, tq, named(cluster));
      await h.result().catch(() => undefined);
      return h;
    },
  },
  {
    name: 'cleanup-incomplete',
    faults: { waitForExternalIp: { kind: 'permanent' }, deleteService: { kind: 'transient', times: 99 } },
    drive: async (client, tq, cluster) => {
      const h = await startEnv(client, tq, named(cluster));
      await h.result().catch(() => undefined);
      return h;
    },
  },
  {
    name: 'cancel-during-provisioning',
    faults: { applyDeployment: { kind: 'hang' } },
    drive: async (client, tq, cluster) => {
      const h = await startEnv(client, tq, named(cluster));
      await eventually(
        () => h.query(statusQuery),
        (s) => s.resources.deployment === 'creating',
      );
      await h.cancel();
      await h.result().catch(() => undefined);
      return h;
    },
  },
  {
    name: 'ttl-expiry',
    drive: async (client, tq, cluster) => {
      const h = await startEnv(
        client,
        tq,
        testInput((d) => {
          (d.cluster as { name: string }).name = cluster;
          d.ttl = '2s';
          d.steps = [];
        }),
      );
      await h.result();
      return h;
    },
  },
  {
    name: 'continue-as-new-first-run',
    drive: async (client, tq, cluster) => {
      const h = await startEnv(
        client,
        tq,
        testInput(
          (d) => {
            (d.cluster as { name: string }).name = cluster;
            d.steps = [];
          },
          { ...FAST, historyEventLimit: 40 },
        ),
      );
      await eventually(
        () => h.query(statusQuery),
        (s) => s.phase === 'running',
      );
      for (let n = 1; n <= 5; n++) await h.executeUpdate(scaleUpdate, { args: [{ replicas: n }] });
      await eventually(
        () => h.query(statusQuery),
        (s) => s.generation >= 1,
      );
      await h.executeUpdate(teardownUpdate, { args: [{}] });
      // The first run's history is the one that ends in ContinueAsNew.
      return h;
    },
  },
  {
    name: 'teardown-workflow',
    drive: async (client, tq, cluster) => {
      const env = {
        id: `gkeflow/gkeflow-test/asia-east1-a/${cluster}`,
        project: 'gkeflow-test',
        location: 'asia-east1-a',
        cluster,
      };
      const input: TeardownInput = { env, service: 'rc-node', deployment: 'rc-node', tuning: FAST };
      const h = await client.workflow.start<typeof teardownWorkflow>('teardownWorkflow', {
        workflowId: `teardown/${env.id}`,
        taskQueue: tq,
        args: [input],
      });
      await h.result();
      return h;
    },
  },
];
