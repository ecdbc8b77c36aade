// `npm run build`: the publishable package in dist/ — tsc's JavaScript, declarations and source
// maps (tsconfig.build.json), then the workflow bundle workers load without webpack at start.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { repoRoot } from '../src/paths';
import { workflowBundlerOptions } from '../src/workflow-source';

async function build(): Promise<void> {
  const dist = path.join(repoRoot, 'dist');
  fs.rmSync(dist, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error(`tsc exited with ${tsc.status ?? tsc.signal}`);
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(dist, 'workflows', 'index.js'),
    ...workflowBundlerOptions(),
    logger: { info() {}, warn: console.warn, error: console.error, debug() {}, trace() {}, log() {} } as never,
  });
  fs.writeFileSync(path.join(dist, 'workflow-bundle.js'), code);
  console.log(`[build] dist/ with workflow-bundle.js (${Math.round(code.length / 1024)} KiB)`);
}

build().catch((err) => {
  console.error(err);
  process.exit(1);
});
