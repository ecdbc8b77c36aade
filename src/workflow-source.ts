/**
 * Where a worker gets gkeflow's workflow code. An installed package ships a bundle prebuilt by
 * `npm run build` (dist/workflow-bundle.js), so a worker starts without webpack; a checkout
 * running from source bundles src/workflows at worker start, so edits take effect.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The workflows module, for `Worker.create({ workflowsPath })` or `bundleWorkflowCode`. */
export const workflowsPath: string = require.resolve('./workflows');

/** The prebuilt workflow bundle's file (present in a built package only). */
export const workflowBundlePath: string = path.join(__dirname, 'workflow-bundle.js');

/**
 * The Worker.create option that loads the workflows: the prebuilt bundle when there is one,
 * else the workflows module. Spread it into your own Worker.create options.
 */
export function workflowSource(): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  return fs.existsSync(workflowBundlePath) ? { workflowBundle: { codePath: workflowBundlePath } } : { workflowsPath };
}
