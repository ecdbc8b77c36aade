import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../src/config/errors';
import { workerSettings } from '../../../src/config/worker-settings';
import { jsonLine, redact } from '../../../src/observability/logger';
import { activityMetrics } from '../../../src/observability/activity-metrics';
import { GkeflowMetrics } from '../../../src/observability/metrics';
import { productionOptions } from '../../../src/worker';

const entry = (meta: Record<string, unknown>, message = 'Activity failed') => ({
  level: 'WARN' as const,
  message,
  meta,
  timestampNanos: 1_700_000_000_000_000_000n,
});

void describe('worker logs', () => {
  void it('writes one JSON object per event with workflow id, run id, activity and attempt', () => {
    const line = jsonLine(
      entry({
        workflowId: 'gkeflow/p/l/c',
        workflowRunId: 'r1',
        activityType: 'ensureCluster',
        attempt: 3,
        taskQueue: 'q',
      }),
    );
    assert.deepEqual(JSON.parse(line), {
      time: '2023-11-14T22:13:20.000Z',
      level: 'warn',
      msg: 'Activity failed',
      workflowId: 'gkeflow/p/l/c',
      runId: 'r1',
      activity: 'ensureCluster',
      attempt: 3,
      taskQueue: 'q',
    });
  });

  void it('never writes a credential: secret-named fields and PEM, bearer and OAuth values are redacted', () => {
    const line = jsonLine(
      entry(
        {
          apiKey: 'tmprl-abc',
          nested: { clientKey: 'x', kubeconfig: 'apiVersion: v1', note: 'Authorization: Bearer abc.def' },
          error: new Error('dial failed with -----BEGIN PRIVATE KEY----- inside'),
          token: 'ya29.a0AfH6',
        },
        'got ya29.a0AfH6SMB',
      ),
    );
    for (const secret of ['tmprl-abc', 'apiVersion: v1', 'Bearer abc', 'BEGIN PRIVATE KEY', 'ya29.'])
      assert.ok(!line.includes(secret), `${secret} leaked: ${line}`);
    assert.deepEqual(redact({ replicas: 3, name: 'web' }), { replicas: 3, name: 'web' }, 'plain facts stay');
  });
});

void describe('gkeflow metrics', () => {
  void it('renders environments by phase, reaper deletions and step durations in Prometheus text', () => {
    const m = new GkeflowMetrics();
    m.environments.reset([
      [{ phase: 'running' }, 2],
      [{ phase: 'provisioning' }, 1],
    ]);
    m.reaperDeletions.inc({ activity: 'deleteCluster' });
    m.reaperDeletions.inc({ activity: 'deleteCluster' });
    m.stepDuration.observe({ step: 'ensureCluster', outcome: 'completed' }, 2);
    const text = m.render();
    assert.match(text, /^gkeflow_environments\{phase="running"\} 2$/m);
    assert.match(text, /^gkeflow_reaper_deletions_total\{activity="deleteCluster"\} 2$/m);
    assert.match(text, /^gkeflow_step_duration_seconds_bucket\{step="ensureCluster",outcome="completed",le="1"\} 0$/m);
    assert.match(text, /^gkeflow_step_duration_seconds_bucket\{step="ensureCluster",outcome="completed",le="5"\} 1$/m);
    assert.match(text, /^gkeflow_step_duration_seconds_count\{step="ensureCluster",outcome="completed"\} 1$/m);
    m.environments.reset([]);
    assert.doesNotMatch(m.render(), /phase="running"/, 'a new count replaces the old');
  });
});

void describe('the metrics interceptor', () => {
  const call = async (m: GkeflowMetrics, activityType: string, workflowType: string, result: unknown) => {
    const ctx = { info: { activityType, workflowType } } as never;
    const inbound = activityMetrics(m)(ctx).inbound!;
    return inbound.execute!({ args: [], headers: {} }, async () => {
      if (result instanceof Error) throw result;
      return result;
    });
  };

  void it("times every step and counts only the reaper's real deletions", async () => {
    const m = new GkeflowMetrics();
    await call(m, 'deleteCluster', 'teardownWorkflow', { deleted: true });
    await call(m, 'deleteService', 'teardownWorkflow', { deleted: false }); // already gone
    await call(m, 'deleteCluster', 'environmentWorkflow', { deleted: true }); // a user's teardown
    await assert.rejects(call(m, 'ensureCluster', 'environmentWorkflow', new Error('quota')));
    const text = m.render();
    assert.match(text, /^gkeflow_reaper_deletions_total\{activity="deleteCluster"\} 1$/m);
    assert.doesNotMatch(text, /reaper_deletions_total\{activity="deleteService"/);
    assert.match(text, /^gkeflow_step_duration_seconds_count\{step="ensureCluster",outcome="failed"\} 1$/m);
    assert.match(text, /^gkeflow_step_duration_seconds_count\{step="deleteCluster",outcome="completed"\} 2$/m);
  });
});

void describe('worker settings', () => {
  void it('defaults to a 30 s shutdown grace, text logs, no endpoints and no Worker Versioning', () => {
    const s = workerSettings({});
    assert.deepEqual({ ...s, tuning: undefined }, { shutdownGraceMs: 30_000, logFormat: 'text', tuning: undefined });
    assert.equal(productionOptions(s).shutdownGraceTime, 30_000);
    assert.equal('workerDeploymentOptions' in productionOptions(s), false);
  });

  void it('turns on Worker Versioning from configuration (workerDeploymentOptions)', () => {
    const s = workerSettings({ GKEFLOW_WORKER_DEPLOYMENT: 'gkeflow', GKEFLOW_WORKER_BUILD_ID: '0.2.0' });
    assert.deepEqual(productionOptions(s).workerDeploymentOptions, {
      useWorkerVersioning: true,
      version: { deploymentName: 'gkeflow', buildId: '0.2.0' },
      defaultVersioningBehavior: 'AUTO_UPGRADE',
    });
  });

  void it('names the variable of a bad value', () => {
    const bad: Array<[NodeJS.ProcessEnv, RegExp]> = [
      [{ GKEFLOW_SHUTDOWN_GRACE: 'soon' }, /GKEFLOW_SHUTDOWN_GRACE=soon/],
      [{ GKEFLOW_WORKER_DEPLOYMENT: 'gkeflow' }, /GKEFLOW_WORKER_BUILD_ID/],
      [
        { GKEFLOW_WORKER_DEPLOYMENT: 'd', GKEFLOW_WORKER_BUILD_ID: 'b', GKEFLOW_WORKER_VERSIONING_BEHAVIOR: 'x' },
        /VERSIONING_BEHAVIOR=x/,
      ],
      [{ GKEFLOW_METRICS_ADDRESS: 'nine' }, /GKEFLOW_METRICS_ADDRESS=nine/],
      [{ GKEFLOW_HEALTH_ADDRESS: ':99999' }, /GKEFLOW_HEALTH_ADDRESS/],
      [{ GKEFLOW_LOG_FORMAT: 'xml' }, /GKEFLOW_LOG_FORMAT=xml/],
    ];
    for (const [env, msg] of bad)
      assert.throws(
        () => workerSettings(env),
        (e: Error) => e instanceof UsageError && msg.test(e.message),
      );
    assert.deepEqual(workerSettings({ GKEFLOW_METRICS_ADDRESS: ':9464' }).metricsAddress, {
      host: '0.0.0.0',
      port: 9464,
    });
  });
});
