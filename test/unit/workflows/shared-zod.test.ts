import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWorkflowCode } from '@temporalio/worker/lib/worker';
import { ReusableVMWorkflowCreator } from '@temporalio/worker/lib/workflow/reusable-vm';
import { workflowBundle } from '../../helpers/workflows';

/** The worker's executor, asked which modules it shares: before any workflow exists, its module cache holds only those. */
class SharedModules extends ReusableVMWorkflowCreator {
  isShared(moduleId: string): boolean {
    const cache = (this.context as unknown as { __webpack_module_cache__: Record<string, unknown> })
      .__webpack_module_cache__;
    return cache[moduleId] !== undefined;
  }
}

// Issue 23: the Temporal worker (reuseV8Context) evaluates every bundled module once per cached
// workflow, except the ones the bundle preloads into the context its workflows share. zod was
// ~500 KiB of live JS per cached environment; it must be evaluated once per worker.
void test('every zod module in the workflow bundle is shared by all workflows, not evaluated per workflow', async () => {
  const bundle = await workflowBundle();
  const modules = [...bundle.code.matchAll(/^\/\*\*\*\/ "([^"]+)"/gm)].map((m) => m[1] ?? '');
  assert.ok(modules.includes('./src/workflows/index.ts'), 'the bundle lists its modules as this test reads them');
  const zodModules = modules.filter((id) => id.includes('/node_modules/zod/'));
  const creator = await SharedModules.create(parseWorkflowCode(bundle.code), 5000, new Set(), undefined);
  try {
    const perWorkflow = zodModules.filter((id) => !creator.isShared(id));
    assert.deepEqual(perWorkflow, [], 'zod modules each cached workflow would evaluate again');
  } finally {
    await creator.destroy();
  }
});
