/**
 * The command registry: every gkeflow command, its words, flags, help and lazy loader. main.ts
 * dispatches from it, and the README's CLI reference is generated from it (reference.ts).
 */
import { ENDPOINT_ENV, LOCAL_PORTS, PORT_ENV, TASK_QUEUES, type PortName } from '../config/endpoints';
import type { CommandDef } from './command';

const json = { json: { type: 'boolean', description: 'print machine-readable JSON' } } as const;

/** `--timeout DURATION` of the commands that wait (exit 1, GKF-WAIT-TIMEOUT, saying where it stood). */
const timeout = { timeout: { type: 'string' } } as const;

/** `--yes`: delete without asking (needed when there is no terminal to ask on). */
const yes = { yes: { type: 'boolean', short: 'y' } } as const;

/** `-f FILE`, the spec file of the commands that take one. */
const file = {
  file: { type: 'string', short: 'f' },
  set: { type: 'string', multiple: true },
  'set-string': { type: 'string', multiple: true },
  'env-subst': { type: 'boolean' },
} as const;
/** How the spec flags read, for the usage lines. */
const specUsage = '-f SPEC.yaml|- [--set PATH=VALUE]... [--env-subst]';
/** Their help, shared by the commands that take a spec. */
const specHelp = [
  "-f - reads the spec from stdin. --set PATH=VALUE (repeatable; typed as YAML: 3, true, '[a, b]') sets a field",
  'after the file is read, e.g. --set cluster.name=pr-123 --set image.tag=$SHA; --set-string keeps VALUE a string.',
  '--env-subst replaces ${VAR} in string values from the environment first ($$ is a literal $; unset is exit 2).',
].join('\n');
/** The reaper's flags, shared by `reap` and `schedule create`. */
const reapFlags = {
  project: { type: 'string', multiple: true },
  location: { type: 'string' },
  'orphan-grace': { type: 'string' },
  target: { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

/** `<port variable> (<default>)` for each port of the stack, for its help. */
const portHelp = (Object.keys(LOCAL_PORTS) as PortName[]).map((k) => `${PORT_ENV[k]} (${LOCAL_PORTS[k]})`);

/** Every gkeflow command. Commands load lazily so `--help` and `validate` stay fast. */
export const COMMANDS: CommandDef[] = [
  {
    name: 'validate',
    summary: 'check an environment spec without touching anything',
    usage: `gkeflow validate ${specUsage} [--json]`,
    help: [
      'Reports every problem at once, each naming its field (exit 2), or a summary of the environment (exit 0).',
      specHelp,
    ].join('\n'),
    options: { ...file, ...json },
    positionals: [0, 0],
    load: async () => (await import('./commands/validate')).validateCommand,
  },
  {
    name: 'schema',
    summary: "print the spec's JSON Schema (for editors: # yaml-language-server: $schema=…)",
    usage: 'gkeflow schema > environment.schema.json',
    help: [
      'Derived from the same schema validate uses; docs/environment.schema.json is this output, and the examples',
      "start with `# yaml-language-server: $schema=../docs/environment.schema.json`. Cross-field rules stay validate's.",
    ].join('\n'),
    options: {},
    positionals: [0, 0],
    load: async () => (await import('./commands/schema')).schemaCommand,
  },
  {
    name: 'up',
    summary: 'provision an environment from a spec (or attach to its running workflow)',
    usage: `gkeflow up ${specUsage} [--wait [--timeout DURATION]] [--ttl DURATION]`,
    help: [
      'Validates the spec (exit 2 on any problem, nothing started), starts the environment workflow',
      `\`gkeflow/<project>/<location>/<cluster>\` on task queue ${TASK_QUEUES.local}, or attaches to the one already running.`,
      'With --wait, follows it live until provisioned (exit 0) or failed (exit 1), then prints the endpoint,',
      'the kubeconfig command and the Web UI link.',
      '',
      "--ttl overrides the spec's ttl (1s..30d); the environment tears itself down when it runs out.",
      '--timeout (e.g. 20m, 1.5h) ends the wait with exit 1 saying where the environment stood; it goes on.',
      'With --output json the result is the environment: envId, runId, endpoint, kubeconfigCommand, uiLink, expiresAt.',
      specHelp,
      '',
      'Example: gkeflow up -f examples/tensorflow-notebook.yaml --wait',
    ].join('\n'),
    options: { ...file, wait: { type: 'boolean' }, ttl: { type: 'string' }, ...timeout },
    positionals: [0, 0],
    load: async () => (await import('./commands/env')).upCommand,
  },
  {
    name: 'plan',
    summary: 'show what `up` would create or change, touching nothing',
    usage: 'gkeflow plan -f SPEC.yaml [--json]',
    help: [
      'Validates and renders the spec (exit 2 on any problem). For a new environment: the cluster, the image and',
      'every object it would create. For a running one: the spec diff, what an update would refuse, and a',
      'server-side dry-run of every object of its app (create / change / unchanged / prune). Exit 0.',
    ].join('\n'),
    options: { ...file, ...json },
    positionals: [0, 0],
    load: async () => (await import('./commands/plan')).planCommand,
  },
  {
    name: 'status',
    summary: 'where an environment stands: phase, resources, endpoint, expiry',
    usage: 'gkeflow status ENV [--json]',
    help: 'ENV is the environment id gkeflow/<project>/<location>/<cluster>, or the cluster name when unambiguous.',
    options: { ...json },
    positionals: [1, 1],
    load: async () => (await import('./commands/env')).statusCommand,
  },
  {
    name: 'history',
    summary: "each step of an environment's run: start, duration, attempts, last error",
    usage: 'gkeflow history ENV [--json]',
    help: 'Read from the workflow history of the current run (the same facts the Web UI shows, one line per step).',
    options: { ...json },
    positionals: [1, 1],
    load: async () => (await import('./commands/history')).historyCommand,
  },
  {
    name: 'open',
    summary: "print (and with --browser open) an environment's endpoint and its run's Web UI page",
    usage: 'gkeflow open ENV [--browser]',
    help: 'The endpoint is the load balancer of the Service (on the local stack a loopback IP that really answers).',
    options: { browser: { type: 'boolean' } },
    positionals: [1, 1],
    load: async () => (await import('./commands/open')).openCommand,
  },
  {
    name: 'down',
    summary: 'tear an environment down (Service → Deployment → cluster)',
    usage: 'gkeflow down ENV [--yes] [--wait [--timeout DURATION]]',
    help: [
      'Sends the teardown update. With --wait, returns when everything is deleted (exit 1 if something could not be).',
      'On a terminal it first names what goes and asks; --yes skips that, and without a terminal --yes is required (exit 2).',
    ].join('\n'),
    options: { wait: { type: 'boolean' }, ...timeout, ...yes },
    positionals: [1, 1],
    load: async () => (await import('./commands/env')).downCommand,
  },
  {
    name: 'scale',
    summary: "scale an environment's Deployment and wait for the ready replicas",
    usage: 'gkeflow scale ENV --replicas N [--timeout DURATION]',
    help: [
      'Sends the scale update; the workflow validates it first (exit 2 when rejected, nothing changed) and',
      'answers once the rollout is done (exit 1 if it failed).',
    ].join('\n'),
    options: { replicas: { type: 'string' }, ...timeout },
    positionals: [1, 1],
    load: async () => (await import('./commands/change')).scaleCommand,
  },
  {
    name: 'resize',
    summary: 'resize a node pool of an environment and wait for GKE',
    usage: 'gkeflow resize ENV --pool POOL --nodes N [--timeout DURATION]',
    options: { pool: { type: 'string' }, nodes: { type: 'string' }, ...timeout },
    positionals: [1, 1],
    load: async () => (await import('./commands/change')).resizeCommand,
  },
  {
    name: 'extend',
    summary: "move an environment's TTL: it expires DURATION from now",
    usage: 'gkeflow extend ENV --ttl DURATION',
    help: [
      "Sends the extend update: the workflow rewrites the cluster's gkeflow-expires-at label (which the reaper",
      'reads) and moves its TTL timer. DURATION is 1s..30d (2h, 1h30m, 7d). A bad duration or a closed',
      'environment exits 2, nothing changed.',
    ].join('\n'),
    options: { ttl: { type: 'string' } },
    positionals: [1, 1],
    load: async () => (await import('./commands/change')).extendCommand,
  },
  {
    name: 'list',
    summary: 'list environments (open and closed runs)',
    usage: 'gkeflow list [--json]',
    options: { ...json },
    positionals: [0, 0],
    load: async () => (await import('./commands/env')).listCommand,
  },
  {
    name: 'kubeconfig',
    summary: "print a kubeconfig for an environment's cluster",
    usage: 'gkeflow kubeconfig ENV > kubeconfig.yaml',
    help: [
      "The target is the environment's own (the spec its workflow started with). Local: the emulated cluster's client",
      'certificate. gcp: as `gcloud container clusters get-credentials` writes it (exec: gke-gcloud-auth-plugin).',
    ].join('\n'),
    options: {},
    positionals: [1, 1],
    load: async () => (await import('./commands/kubeconfig')).kubeconfigCommand,
  },
  {
    name: 'reap',
    summary: 'run the reaper once now: tear down expired and orphaned clusters',
    usage: 'gkeflow reap [--dry-run] [--yes] [--project P]... [--location L] [--orphan-grace D] [--target T] [--json]',
    help: [
      'Lists the clusters of the projects (default: those of known environments plus GKEFLOW_PROJECTS) in',
      'location L (default -, all) and tears down those labelled managed-by: gkeflow that expired',
      '(gkeflow-expires-at passed) or are orphaned (no open environment workflow, older than --orphan-grace,',
      'default 30m). An expired live environment is ended through its own workflow. Never touched: clusters',
      'without managed-by: gkeflow, labelled gkeflow-protect: "true", or unexpired with an open workflow.',
      'Prints the report (deleted, skipped with the reason, failed with the cause); exit 1 when one failed.',
      'Without --dry-run it asks on a terminal first, naming what a dry run would delete; --yes skips that, and',
      'without a terminal --yes is required (exit 2, nothing deleted).',
      '',
      'Example: gkeflow reap --dry-run --project my-project',
    ].join('\n'),
    options: { ...reapFlags, ...yes, ...json },
    positionals: [0, 0],
    load: async () => (await import('./commands/reap')).reapCommand,
  },
  {
    name: 'schedule create',
    summary: 'create a Temporal Schedule that runs the reaper',
    usage:
      'gkeflow schedule create NAME (--every DURATION | --cron EXPR) [--project P]... [--location L] [--orphan-grace D] [--target T] [--dry-run] [--timezone TZ]',
    help: [
      'A Temporal Schedule (see the Web UI Schedules page) starting reaperWorkflow; runs of one schedule never',
      'overlap (a run due while the last is still going is skipped). DURATION: 30s, 15m, 1.5h, 1d. EXPR: cron as Temporal',
      "reads it ('0 20 * * 1-5' = weekdays 20:00, '0 9 ? * MON-FRI', 6/7 fields with year/seconds, @daily, @every 2h),",
      'in --timezone (IANA, default UTC). Flags as for reap.',
      '',
      'Example: gkeflow schedule create nightly --cron "0 20 * * 1-5" --timezone Europe/Berlin --project my-project',
    ].join('\n'),
    options: { ...reapFlags, every: { type: 'string' }, cron: { type: 'string' }, timezone: { type: 'string' } },
    positionals: [1, 1],
    load: async () => (await import('./commands/schedule')).createCommand,
  },
  {
    name: 'schedule ls',
    summary: 'list the reaper schedules: state, timing, next and last run',
    usage: 'gkeflow schedule ls [--json]',
    options: { ...json },
    positionals: [0, 0],
    load: async () => (await import('./commands/schedule')).lsCommand,
  },
  {
    name: 'schedule describe',
    summary: "a reaper schedule's timing, input, policy, next and recent runs (JSON)",
    usage: 'gkeflow schedule describe NAME',
    options: {},
    positionals: [1, 1],
    load: async () => (await import('./commands/schedule')).describeCommand,
  },
  {
    name: 'schedule pause',
    summary: 'pause a reaper schedule (no runs until unpaused)',
    usage: 'gkeflow schedule pause NAME',
    options: {},
    positionals: [1, 1],
    load: async () => (await import('./commands/schedule')).pauseCommand,
  },
  {
    name: 'schedule unpause',
    summary: 'resume a paused reaper schedule',
    usage: 'gkeflow schedule unpause NAME',
    options: {},
    positionals: [1, 1],
    load: async () => (await import('./commands/schedule')).unpauseCommand,
  },
  {
    name: 'schedule trigger',
    summary: 'run a reaper schedule once now',
    usage: 'gkeflow schedule trigger NAME',
    options: {},
    positionals: [1, 1],
    load: async () => (await import('./commands/schedule')).triggerCommand,
  },
  {
    name: 'schedule rm',
    summary: 'delete a reaper schedule (runs already started finish)',
    usage: 'gkeflow schedule rm NAME',
    options: {},
    positionals: [1, 1],
    load: async () => (await import('./commands/schedule')).rmCommand,
  },
  {
    name: 'worker',
    summary: 'run a gkeflow worker in the foreground',
    usage: 'gkeflow worker',
    help: `Env: ${[
      ENDPOINT_ENV.temporalAddress,
      'TEMPORAL_NAMESPACE',
      ENDPOINT_ENV.taskQueue,
      'GKEFLOW_TARGET (local|gcp)',
      ENDPOINT_ENV.emulatorAddress,
      ENDPOINT_ENV.registryAddress,
    ].join(', ')}.`,
    options: {},
    positionals: [0, 0],
    load: async () => (await import('./commands/worker')).workerCommand,
  },
  {
    name: 'image worker',
    summary: "build the worker's OCI image without Docker, push it and/or write an OCI layout",
    usage:
      'gkeflow image worker --base IMAGE (--tag REPOSITORY:TAG | --layout DIR) [--platform linux/amd64|linux/arm64] [--package TGZ] [--json]',
    help: [
      "IMAGE is a Node 20 image: a registry reference (a multi-platform index gives --platform's manifest; default",
      "the host's), oci:DIR[:TAG], oci-archive:FILE or docker-archive:FILE. On it goes one layer: the gkeflow package",
      '(--package, or this installation packed) installed with its production dependencies under /usr/local, trimmed of',
      "other platforms' native builds, docs, types and tests; entrypoint `gkeflow worker`, user 1000:1000, workdir /tmp,",
      'the env and ports of deploy/image/Dockerfile, org.opencontainers.image.* labels. Uses npm (its cache first).',
      'Same package and base give the same digest. --tag pushes (credentials as for image sources); --layout writes',
      'an OCI layout. Example: gkeflow image worker --base europe-docker.pkg.dev/P/mirror/node:20-bookworm-slim \\',
      '  --tag europe-docker.pkg.dev/P/tools/gkeflow-worker:0.1.0',
    ].join('\n'),
    options: {
      base: { type: 'string' },
      tag: { type: 'string' },
      layout: { type: 'string' },
      platform: { type: 'string' },
      package: { type: 'string' },
      ...json,
    },
    positionals: [0, 0],
    load: async () => (await import('./commands/image')).imageWorkerCommand,
  },
  {
    name: 'temporal setup',
    summary: "make a Temporal namespace ready for gkeflow: check it, register gkeflow's search attributes",
    usage: 'gkeflow temporal setup [--namespace N]',
    help: [
      "Checks the namespace (default TEMPORAL_NAMESPACE or the profile's) exists and lists the search attributes",
      'gkeflow needs (GkeflowProject, GkeflowLocation, GkeflowCluster, GkeflowPhase: Keyword; GkeflowExpiresAt: Datetime).',
      'Self-hosted: registers the missing ones (OperatorService.AddSearchAttributes). Temporal Cloud: prints the',
      '`tcld namespace search-attributes add` lines to run and exits 2. `up`, `worker` and `schedule create` refuse',
      'to start (exit 2, GKF-TEMPORAL-SETUP) until this is done.',
    ].join('\n'),
    options: { namespace: { type: 'string' } },
    positionals: [0, 0],
    load: async () => (await import('./commands/temporal')).setupCommand,
  },
  {
    name: 'codec-server',
    summary: 'serve the payload codec (Temporal codec-server protocol) so the Web UI decodes for the key holder',
    usage:
      'gkeflow codec-server [--port N] [--ui-origin URL] [--allowed-origin URL,...] [--allowed-host NAME,...] [--listen ADDR] [--tls-cert F --tls-key F] [--token-file F] [--ui-port N --ui-backend URL]',
    help: [
      'POST /encode and /decode with {payloads: [...]} on 127.0.0.1, CORS for the Web UI only; start the UI with',
      `--ui-codec-endpoint http://127.0.0.1:${LOCAL_PORTS.codec} (the local stack does). Keys: GKEFLOW_CODEC_KEY_FILE or`,
      `GKEFLOW_CODEC_KEY (<key-id>:<base64 32 bytes>, first seals), else the stack's. Port: ${PORT_ENV.codec}.`,
      'For Temporal Cloud: --tls-cert/--tls-key (Cloud wants https), --allowed-origin https://cloud.temporal.io and a token',
      '(GKEFLOW_CODEC_TOKEN or --token-file, >= 16 chars) sent as `Authorization: Bearer` or as the endpoint path',
      '(https://127.0.0.1:PORT/<token>); TLS or another host without a token is refused. See docs/security.md.',
      '--ui-port/--ui-backend (the local stack): also hold the Web UI port in front of the UI at URL, behind a login',
      'with the token, serving the codec at <ui>/codec under the UI origin (start the UI with that endpoint).',
    ].join('\n'),
    options: {
      port: { type: 'string' },
      'ui-origin': { type: 'string' },
      'allowed-origin': { type: 'string', multiple: true },
      'allowed-host': { type: 'string', multiple: true },
      listen: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'token-file': { type: 'string' },
      'ui-port': { type: 'string' },
      'ui-backend': { type: 'string' },
    },
    positionals: [0, 0],
    load: async () => (await import('./commands/codec-server')).codecServerCommand,
  },
  {
    name: 'completion',
    summary: 'print the shell completion script (commands, subcommands, flags)',
    usage: 'gkeflow completion bash|zsh|fish',
    help: [
      'bash: source <(gkeflow completion bash)   (or write it to /etc/bash_completion.d/gkeflow)',
      'zsh:  source <(gkeflow completion zsh)    fish: gkeflow completion fish | source',
    ].join('\n'),
    options: {},
    positionals: [1, 1],
    load: async () => (await import('./commands/completion')).completionCommand,
  },
  {
    name: 'stack toolchain',
    summary: 'build (once) and list the local stack binaries',
    usage:
      'gkeflow stack toolchain [--rebuild [COMPONENT,...]] [--only COMPONENT,...] [--keep-go-cache] [--list] [--prune]',
    help: [
      'Provides temporal, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd, kwokctl, kwok, registry',
      'and demo (the builtin:demo server) from the per-user cache, building what is missing from pinned Go modules',
      '(needs Go; minutes on a cold cache) in a private Go cache that is removed afterwards unless --keep-go-cache.',
      'A binary named by GKEFLOW_<NAME>_BIN (e.g. GKEFLOW_KUBE_APISERVER_BIN) is used instead of the cache.',
      '--prune removes kept Go caches, unpinned versions and interrupted builds, and reports your own Go caches.',
    ].join('\n'),
    options: {
      rebuild: { type: 'string' },
      only: { type: 'string' },
      'keep-go-cache': { type: 'boolean' },
      list: { type: 'boolean' },
      prune: { type: 'boolean' },
      ...json,
    },
    positionals: [0, 0],
    load: async () => (await import('./commands/stack')).toolchainCommand,
  },
  {
    name: 'stack up',
    summary: 'start the local stack (Temporal + Web UI, registry, GKE emulator, worker)',
    usage: 'gkeflow stack up',
    help: [
      `Idempotent: services already running are left alone. Ports: ${portHelp.slice(0, 2).join(', ')},`,
      `${portHelp.slice(2).join(', ')}. State: GKEFLOW_STATE_DIR (./.gkeflow).`,
    ].join('\n'),
    options: {},
    positionals: [0, 0],
    load: async () => (await import('./commands/stack')).upCommand,
  },
  {
    name: 'stack down',
    summary: 'stop what `stack up` started (state is kept)',
    usage: 'gkeflow stack down',
    options: {},
    positionals: [0, 0],
    load: async () => (await import('./commands/stack')).downCommand,
  },
  {
    name: 'stack status',
    summary: 'show each local service, its pid, address and health',
    usage: 'gkeflow stack status [--json]',
    options: { ...json },
    positionals: [0, 0],
    load: async () => (await import('./commands/stack')).statusCommand,
  },
  {
    name: 'stack logs',
    summary: "print the tail of a service's log",
    usage: 'gkeflow stack logs [SERVICE] [-n LINES]',
    options: { lines: { type: 'string', short: 'n' } },
    positionals: [0, 1],
    load: async () => (await import('./commands/stack')).logsCommand,
  },
];
