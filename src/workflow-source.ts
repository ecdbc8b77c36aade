/**
 * Where a worker gets gkeflow's workflow code. An installed package ships a bundle prebuilt by
 * `npm run build` (dist/workflow-bundle.js), so a worker starts without webpack; a checkout
 * running from source bundles src/workflows at worker start, so edits take effect.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The workflows module, for `Worker.create({ workflowsPath })` or `bundleWorkflowCode`. */
export const workflowsPath: string = require.resolve('./workflows');

/**
 * The bundler options every gkeflow workflow bundle is built with (the prebuilt one, the one a
 * checkout bundles at worker start, the tests' and benches'). zod, which the workflows use to
 * re-validate a spec, is preloaded: the Temporal worker (reuseV8Context) evaluates a preloaded
 * module once, in the V8 context its workflows share, instead of once per cached workflow
 * (~500 KiB of live JS each; issue 23, docs/production.md "Sizing a worker"). Safe because zod
 * keeps no per-validation state in its modules and gkeflow builds its schemas per validation
 * (buildSchemas in src/envspec/schema.ts); the worker freezes preloaded modules, so a workflow
 * cannot change zod for another (z.config() would throw there).
 */
export function workflowBundlerOptions(): { preloadModules: string[] } {
  return { preloadModules: [require.resolve('./envspec/zod-preload')] };
}

/** The prebuilt workflow bundle's file (present in a built package only). */
export const workflowBundlePath: string = path.join(__dirname, 'workflow-bundle.js');

/**
 * The Worker.create option that loads the workflows: the prebuilt bundle when there is one,
 * else the workflows module. Spread it into your own Worker.create options.
 */
export function workflowSource():
  { workflowBundle: { codePath: string } } | { workflowsPath: string; bundlerOptions: { preloadModules: string[] } } {
  return fs.existsSync(workflowBundlePath)
    ? { workflowBundle: { codePath: workflowBundlePath } }
    : { workflowsPath, bundlerOptions: workflowBundlerOptions() };
}
