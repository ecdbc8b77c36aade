import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../../../src/config/errors';
import {
  DEFAULT_TUNING,
  WORKER_ENV,
  WORKER_PROCESS_ENV,
  workerSettings,
  type WorkerTuning,
} from '../../../src/config/worker-settings';
import { WORKER_IMAGE_CONFIG } from '../../../src/image/worker-image';
import { stackConfig } from '../../../src/stack/config';
import { stackServices } from '../../../src/stack/services';
import type { Toolchain } from '../../../src/toolchain/toolchain';
import { repoRoot } from '../../../src/paths';
import { productionOptions } from '../../../src/worker-options';

const TUNING_KEYS = Object.keys(DEFAULT_TUNING) as Array<keyof WorkerTuning>;

void describe('worker slots, pollers and workflow cache', () => {
  void it('runs with the measured defaults when no variable is set', () => {
    const o = productionOptions(workerSettings({}));
    assert.equal(o.maxCachedWorkflows, DEFAULT_TUNING.maxCachedWorkflows);
    assert.equal(o.maxConcurrentWorkflowTaskExecutions, DEFAULT_TUNING.workflowTaskSlots);
    assert.equal(o.maxConcurrentActivityTaskExecutions, DEFAULT_TUNING.activitySlots);
    assert.deepEqual(o.workflowTaskPollerBehavior, {
      type: 'simple-maximum',
      maximum: DEFAULT_TUNING.workflowTaskPollers,
    });
    assert.deepEqual(o.activityTaskPollerBehavior, { type: 'simple-maximum', maximum: DEFAULT_TUNING.activityPollers });
  });

  void it('takes each setting from its GKEFLOW_* variable', () => {
    const t = workerSettings({
      GKEFLOW_MAX_CACHED_WORKFLOWS: '250',
      GKEFLOW_WORKFLOW_TASK_SLOTS: '8',
      GKEFLOW_ACTIVITY_SLOTS: '50',
      GKEFLOW_WORKFLOW_TASK_POLLERS: '4',
      GKEFLOW_ACTIVITY_POLLERS: '5',
    }).tuning;
    assert.deepEqual(t, {
      maxCachedWorkflows: 250,
      workflowTaskSlots: 8,
      activitySlots: 50,
      workflowTaskPollers: 4,
      activityPollers: 5,
    });
    // An unset value follows what it depends on, as the Temporal worker requires.
    assert.deepEqual(workerSettings({ GKEFLOW_MAX_CACHED_WORKFLOWS: '3', GKEFLOW_ACTIVITY_SLOTS: '4' }).tuning, {
      maxCachedWorkflows: 3,
      workflowTaskSlots: 3,
      activitySlots: 4,
      workflowTaskPollers: 3,
      activityPollers: 4,
    });
    // 0 turns the cache off (every workflow task replays its history).
    assert.equal(workerSettings({ GKEFLOW_MAX_CACHED_WORKFLOWS: '0' }).tuning.maxCachedWorkflows, 0);
  });

  void it('refuses a bad value with a usage error naming its variable', () => {
    const bad: Array<[NodeJS.ProcessEnv, RegExp]> = [
      [{ GKEFLOW_MAX_CACHED_WORKFLOWS: 'lots' }, /GKEFLOW_MAX_CACHED_WORKFLOWS=lots: expected a whole number/],
      [{ GKEFLOW_MAX_CACHED_WORKFLOWS: '-1' }, /GKEFLOW_MAX_CACHED_WORKFLOWS=-1/],
      [{ GKEFLOW_WORKFLOW_TASK_SLOTS: '1' }, /GKEFLOW_WORKFLOW_TASK_SLOTS=1: expected a whole number ≥ 2/],
      [{ GKEFLOW_ACTIVITY_SLOTS: '2.5' }, /GKEFLOW_ACTIVITY_SLOTS=2.5/],
      [{ GKEFLOW_ACTIVITY_POLLERS: '0' }, /GKEFLOW_ACTIVITY_POLLERS=0/],
      [{ GKEFLOW_WORKFLOW_TASK_POLLERS: '1e3' }, /GKEFLOW_WORKFLOW_TASK_POLLERS=1e3/],
      // Limits the Temporal worker would otherwise adjust behind the user's back, with a warning.
      [
        { GKEFLOW_ACTIVITY_SLOTS: '4', GKEFLOW_ACTIVITY_POLLERS: '8' },
        /GKEFLOW_ACTIVITY_POLLERS=8: must not exceed GKEFLOW_ACTIVITY_SLOTS \(4\)/,
      ],
      [
        { GKEFLOW_WORKFLOW_TASK_SLOTS: '3', GKEFLOW_WORKFLOW_TASK_POLLERS: '4' },
        /GKEFLOW_WORKFLOW_TASK_POLLERS=4: must not exceed GKEFLOW_WORKFLOW_TASK_SLOTS \(3\)/,
      ],
      [
        { GKEFLOW_MAX_CACHED_WORKFLOWS: '5', GKEFLOW_WORKFLOW_TASK_SLOTS: '6', GKEFLOW_WORKFLOW_TASK_POLLERS: '2' },
        /GKEFLOW_WORKFLOW_TASK_SLOTS=6: must not exceed GKEFLOW_MAX_CACHED_WORKFLOWS \(5\)/,
      ],
    ];
    for (const [env, msg] of bad)
      assert.throws(
        () => workerSettings(env),
        (e: Error) => e instanceof UsageError && msg.test(e.message),
        `${JSON.stringify(env)} should fail with ${msg}`,
      );
  });

  for (const doc of ['README.md', 'docs/production.md'])
    void it(`${doc} names each setting with its default`, () => {
      const rows = fs
        .readFileSync(path.join(repoRoot, doc), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('|'));
      for (const k of TUNING_KEYS) {
        const r = rows.find((l) => l.includes(`\`${WORKER_ENV[k]}\``));
        assert.ok(r, `${doc}: a table row names ${WORKER_ENV[k]}`);
        assert.ok(
          r.includes(`\`${DEFAULT_TUNING[k]}\``),
          `${doc}: the ${WORKER_ENV[k]} row gives its default ${DEFAULT_TUNING[k]}: ${r}`,
        );
      }
    });
});

void describe("the worker's process environment", () => {
  void it('the stack starts its worker with what the worker image sets, after a NODE_OPTIONS of its own', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-env-'));
    const before = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = '--trace-warnings';
    try {
      const cfg = stackConfig({ GKEFLOW_STATE_DIR: dir });
      const tc = {} as unknown as Toolchain;
      const worker = stackServices()
        .find((s) => s.name === 'worker')!
        .command(cfg, tc);
      assert.equal(worker.env?.MALLOC_ARENA_MAX, WORKER_PROCESS_ENV.MALLOC_ARENA_MAX);
      assert.equal(worker.env?.NODE_OPTIONS, `--trace-warnings ${WORKER_PROCESS_ENV.NODE_OPTIONS}`);
      assert.equal(worker.env?.GKEFLOW_TARGET, 'local');
      assert.deepEqual(
        Object.entries(WORKER_PROCESS_ENV).filter(
          ([k, v]) => WORKER_IMAGE_CONFIG.Env[k as keyof typeof WORKER_IMAGE_CONFIG.Env] !== v,
        ),
        [],
        'the image sets the same',
      );
    } finally {
      if (before === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = before;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
