// The package as a platform team installs it: packed, installed globally into an empty prefix
// offline from the npm cache, run from another empty directory. The installed bin is the process
// itself (no tsx, no launcher child); a worker started through it serves health and metrics,
// logs JSON when asked, and stops gracefully on SIGTERM with exit 0 and no child left.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, waitUntil } from '../../../src/process/process';
import { localTemporalAddress, uniqueTaskQueue } from '../../../src/stack/local-temporal';
import { packageVersion, repoRoot } from '../../../src/paths';
import {
  childrenOf,
  cmdlineOf,
  packAndInstall,
  snapshot,
  startCommand,
  tmpRoot,
  userHome,
  type InstalledPackage,
} from '../../helpers/package';

const tmp = tmpRoot();
let pkg: InstalledPackage;
let installed: Map<string, string>;

before(async () => {
  pkg = await packAndInstall(tmp);
  installed = snapshot(pkg.prefix);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function gkeflow(args: string[], user = userHome(tmp)) {
  const cmd = startCommand(pkg.bin, args, user);
  const { code } = await cmd.exited;
  return { code, ...cmd.output() };
}

void describe('the installed package', () => {
  void it('ships dist, bin, the toolchain sources and examples, and no tests, tsx or @temporalio/testing', () => {
    for (const f of [
      'dist/cli/main.js',
      'dist/index.d.ts',
      'dist/workflow-bundle.js',
      'bin/gkeflow.js',
      'tools/kube/go.mod',
      'tools/kube/go.sum',
      'tools/demo/main.go',
      'examples/tensorflow-notebook.yaml',
      'LICENSE',
    ])
      assert.ok(fs.existsSync(path.join(pkg.dir, f)), `${f} is in the package`);
    for (const f of ['src', 'test', 'bench', 'scripts', 'node_modules/tsx', 'node_modules/@temporalio/testing'])
      assert.ok(!fs.existsSync(path.join(pkg.dir, f)), `${f} is not in the install`);
  });

  void it('runs --help, --version and validate from an empty directory, writing nothing into the prefix', async () => {
    const help = await gkeflow(['--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /Usage: gkeflow <command>/);
    const version = await gkeflow(['--version']);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), packageVersion());
    const user = userHome(tmp);
    fs.copyFileSync(path.join(repoRoot, 'examples', 'web-with-sidecar.yaml'), path.join(user.cwd, 'spec.yaml'));
    const ok = await gkeflow(['validate', '-f', 'spec.yaml'], user);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /spec\.yaml: valid/);
    fs.writeFileSync(path.join(user.cwd, 'bad.yaml'), 'apiVersion: gkeflow/v1\nkind: Environment\n');
    const bad = await gkeflow(['validate', '-f', 'bad.yaml'], user);
    assert.equal(bad.code, 2, 'bad input exits 2');
    assert.deepEqual(snapshot(pkg.prefix), installed, 'the install prefix is unchanged');
    assert.deepEqual(fs.readdirSync(user.cwd).sort(), ['bad.yaml', 'spec.yaml'], 'nothing written into the cwd');
  });

  void it("is a library: require('gkeflow') gives the activities, the client helper and the prebuilt bundle", async () => {
    const user = userHome(tmp);
    const script =
      "const g = require('gkeflow'); console.log(JSON.stringify({ source: g.workflowSource(), " +
      'kinds: [g.createActivities, g.activitiesForTarget, g.startEnvironment, g.teardown].map((f) => typeof f) }))';
    const cmd = startCommand(process.execPath, ['-e', script], {
      cwd: user.cwd,
      env: { ...user.env, NODE_PATH: path.dirname(pkg.dir) },
    });
    const { code } = await cmd.exited;
    assert.equal(code, 0, cmd.output().stderr);
    const out = JSON.parse(cmd.output().stdout) as { source: unknown; kinds: string[] };
    assert.deepEqual(out.source, { workflowBundle: { codePath: path.join(pkg.dir, 'dist', 'workflow-bundle.js') } });
    assert.deepEqual(out.kinds, ['function', 'function', 'function', 'function']);
  });

  void it('runs a worker as the process itself: ready, metrics, JSON logs, SIGTERM ends it with exit 0 and no child', async () => {
    const user = userHome(tmp);
    const [health, metrics] = [await freePort(), await freePort()];
    const worker = startCommand(pkg.bin, ['worker'], {
      cwd: user.cwd,
      env: {
        ...user.env,
        TEMPORAL_ADDRESS: await localTemporalAddress(),
        GKEFLOW_TASK_QUEUE: uniqueTaskQueue('package'),
        GKEFLOW_HEALTH_ADDRESS: `127.0.0.1:${health}`,
        GKEFLOW_METRICS_ADDRESS: `127.0.0.1:${metrics}`,
        GKEFLOW_LOG_FORMAT: 'json',
        GKEFLOW_SHUTDOWN_GRACE: '5s',
      },
    });
    const pid = worker.child.pid!;
    try {
      const ready = async () =>
        (await fetch(`http://127.0.0.1:${health}/readyz`).catch(() => undefined))?.status === 200;
      assert.ok(await waitUntil(ready, 120_000, 250), `worker never ready: ${worker.output().stderr}`);
      assert.equal((await fetch(`http://127.0.0.1:${health}/healthz`)).status, 200);
      assert.doesNotMatch(cmdlineOf(pid), /tsx/, 'no tsx in the worker process');
      assert.deepEqual(childrenOf(pid), [], 'the bin starts no child process');
      const own = await (await fetch(`http://127.0.0.1:${health}/metrics`)).text();
      assert.match(own, /# TYPE gkeflow_environments gauge/);
      assert.match(own, /# TYPE gkeflow_step_duration_seconds histogram/);
      const sdk = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
      assert.match(sdk, /temporal_/, "Temporal's runtime metrics are exported");

      const t0 = Date.now();
      process.kill(pid, 'SIGTERM');
      const { code, signal } = await worker.exited;
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, worker.output().stderr);
      assert.ok(Date.now() - t0 < 15_000, `stopped within its grace (${Date.now() - t0} ms)`);
      const lines = worker.output().stderr.trim().split('\n');
      const events = lines.map((l) => JSON.parse(l) as { level: string; msg: string; time: string });
      assert.ok(
        events.some((e) => /gkeflow worker: task queue package-/.test(e.msg)),
        'the start line is JSON',
      );
      assert.ok(
        events.some((e) => /shut down/.test(e.msg)),
        'the shutdown is logged',
      );
      assert.ok(
        events.every((e) => e.level && e.time),
        'every line has level and time',
      );
    } finally {
      if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    }
  });
});
