/** Import rules of gkeflow's layers (issue 16), run by `npm run lint`: a broken rule fails lint naming the rule. */
const builtins = { dependencyTypes: ['core'] };
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import circle anywhere in src/.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'contract-imports-only-gke',
      severity: 'error',
      comment: 'src/contract is the workflow-safe leaf: it imports nothing of the project but src/gke.',
      from: { path: '^src/contract/' },
      to: { path: '^src/', pathNot: ['^src/contract/', '^src/gke/'] },
    },
    {
      name: 'gke-is-the-bottom',
      severity: 'error',
      comment: 'src/gke holds GKE facts and imports nothing else of the project.',
      from: { path: '^src/gke/' },
      to: { path: '^src/', pathNot: '^src/gke/' },
    },
    {
      name: 'envspec-imports-only-gke',
      severity: 'error',
      comment: 'src/envspec (YAML to EnvironmentSpec) imports only src/gke and src/contract.',
      from: { path: '^src/envspec/' },
      to: { path: '^src/', pathNot: ['^src/envspec/', '^src/gke/', '^src/contract/'] },
    },
    {
      name: 'workflows-no-node-builtins',
      severity: 'error',
      comment: 'Workflows are deterministic: no Node built-ins.',
      from: { path: '^src/workflows/' },
      to: builtins,
    },
    {
      name: 'workflows-no-side-effect-layers',
      severity: 'error',
      comment: 'Workflows import only contract, gke, envspec and themselves (activities by type through contract).',
      from: { path: '^src/workflows/' },
      to: { path: '^src/(activities|clients|cli|emulator|stack|temporal|config|toolchain|process|codec|image)/' },
    },
    {
      name: 'emulator-no-temporal-side',
      severity: 'error',
      comment:
        'The emulator is a cloud, not a gkeflow client: nothing of activities, workflows, cli, temporal, clients.',
      from: { path: '^src/emulator/' },
      to: { path: '^src/(activities|workflows|cli|temporal|clients|worker\\.ts)' },
    },
    {
      name: 'emulator-no-temporal-packages',
      severity: 'error',
      comment: 'The emulator process never loads Temporal.',
      from: { path: '^src/emulator/' },
      to: { path: 'node_modules/@temporalio/', reachable: true },
    },
    {
      name: 'src-not-to-test',
      severity: 'error',
      comment: 'Nothing in src/ imports test code.',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'cli-commands-independent',
      severity: 'error',
      comment: 'CLI commands import none of each other; shared helpers live in src/cli/.',
      from: { path: '^src/cli/commands/([^/]+)' },
      to: { path: '^src/cli/commands/', pathNot: '^src/cli/commands/$1' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
