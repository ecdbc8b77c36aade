// What each cached workflow costs in module memory alone: the Temporal worker's own executor
// (ReusableVMWorkflowCreator, reuseV8Context) creates N environment workflows in this process and
// the V8 heap is measured after a full GC, once with gkeflow's workflow bundle (zod preloaded into
// the shared context, src/workflow-source.ts) and once bundled without the preload (every module
// evaluated per workflow, as before issue 23). Workflows are created, not run: what a workflow's
// own state adds comes on top (bench/idle-environments.ts measures whole workers). Seconds of CPU.
// Usage: npx tsx bench/workflow-modules.ts [--workflows 100]
import v8 from 'node:v8';
import vm from 'node:vm';
import { TypedSearchAttributes } from '@temporalio/common';
import { bundleWorkflowCode } from '@temporalio/worker';
import { parseWorkflowCode } from '@temporalio/worker/lib/worker';
import { ReusableVMWorkflowCreator } from '@temporalio/worker/lib/workflow/reusable-vm';
import { workflowsPath } from '../src/workflow-source';
import { arg } from './report';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Heap bytes per created workflow. */
async function perWorkflow(code: string, n: number): Promise<number> {
  const creator = await ReusableVMWorkflowCreator.create(parseWorkflowCode(code), 5000, new Set(), undefined);
  const create = (i: number) =>
    creator.createWorkflow({
      info: {
        workflowId: `w${i}`,
        runId: `r${i}`,
        workflowType: 'environmentWorkflow',
        searchAttributes: {},
        typedSearchAttributes: new TypedSearchAttributes(),
        taskQueue: 'bench',
        namespace: 'default',
        firstExecutionRunId: `r${i}`,
        originalExecutionRunId: `r${i}`,
        startTime: new Date(0),
        runStartTime: new Date(0),
        taskTimeoutMs: 10_000,
        attempt: 1,
        historyLength: 1,
        historySize: 0,
        continueAsNewSuggested: false,
        targetWorkerDeploymentVersionChanged: false,
        currentBuildId: '',
        unsafe: { now: () => 0, isReplaying: false, isReplayingHistoryEvents: false, random: Math.random },
        priority: {},
      } as never,
      randomnessSeed: [1, 2] as never,
      now: 0,
      showStackTraceSources: false,
      failureExceptionTypeNames: [],
    } as never);
  const held = [await create(-1)];
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) held.push(await create(i));
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / n;
  for (const w of held) await w.dispose();
  await creator.destroy();
  return bytes;
}

async function run(): Promise<void> {
  const n = arg('workflows', 100);
  const { workflowBundle } = await import('../test/helpers/workflows');
  const quiet = { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } as never;
  const plain = await bundleWorkflowCode({ workflowsPath, logger: quiet });
  const preloaded = await workflowBundle();
  const kib = (b: number) => `${Math.round(b / 1024)} KiB`;
  console.log(`module memory per created workflow (${n} workflows, heap after GC):`);
  console.log(`  every module per workflow (no preload): ${kib(await perWorkflow(plain.code, n))}`);
  console.log(`  zod preloaded (gkeflow's bundle):        ${kib(await perWorkflow(preloaded.code, n))}`);
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
