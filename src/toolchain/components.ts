/**
 * The pinned binaries of the local stack and how each is built from Go modules.
 * Versions live here and nowhere else; the cache directory name carries the version, so a bump
 * builds into a new entry and never reuses an old binary.
 */
export type ToolName =
  | 'temporal'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kubectl'
  | 'etcd'
  | 'kwokctl'
  | 'kwok'
  | 'registry'
  | 'demo'
  | OnDemandToolName;

/** Tools of components built only when asked for (`only`), never by the default `stack toolchain` set. */
export type OnDemandToolName = 'temporal-server' | 'temporal-sql-tool' | 'helm';

export interface Tool {
  name: ToolName;
  /** Env var naming an existing binary to use instead of building one. */
  envVar: string;
  /** Arguments that print the version, and the text that must appear in the output. */
  versionArgs: string[];
  expectVersion: string;
}

export interface Component {
  /** Cache entry name: `<name>-<version>`. */
  name: string;
  version: string;
  tools: Tool[];
  /**
   * Built only when named (`ensureToolchain({ only })`, `stack toolchain --only`), not by the
   * default set every stack and test run ensures: the real Temporal server takes long to build
   * and only the self-hosted tier (test/temporal) or a user who asks needs it.
   */
  onDemand?: true;
  /**
   * Built after this component when both are built in one run: it compiles the same module
   * versions (tools/kube's go.mod), so it reuses that build's packages from the run's Go cache
   * instead of compiling them beside it.
   */
  after?: string;
  /** How to build: `go install` of module paths at a version, or `go build` in a wrapper module. */
  build:
    | {
        kind: 'install';
        packages: string[];
        ldflags: string;
        /** `go install` names a binary after its package's last element; these get the tool's name. */
        rename?: Record<string, string>;
        /** A directory of a module (`module@version`, path inside it) copied into the entry under its own name. */
        moduleDirs?: Array<{ module: string; dir: string }>;
      }
    | { kind: 'wrapper'; moduleDir: string; packages: Array<{ pkg: string; out: string }>; ldflags: string }
    | { kind: 'cross'; moduleDir: string; ldflags: string; targets: CrossTarget[] };
}

/** One `go build` of a module in this repository for a GOOS/GOARCH; `host` builds for this machine. */
export interface CrossTarget {
  goos: string | 'host';
  goarch: string | 'host';
  out: string;
}

const tool = (name: ToolName, versionArgs: string[], expectVersion: string): Tool => ({
  name,
  envVar: `GKEFLOW_${name.toUpperCase().replace(/-/g, '_')}_BIN`,
  versionArgs,
  expectVersion,
});

export const KUBE_VERSION = '1.36.1';
/** Version of tools/demo; bump it when its source changes so the cache entry is rebuilt. */
export const DEMO_VERSION = '0.2.0';
/** The platforms of the builtin:demo image's index. */
export const DEMO_PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
] as const;
/** File name of the demo server built for a platform, inside the demo component's cache entry. */
export const demoBinaryName = (p: { os: string; architecture: string }) => `demo-${p.os}-${p.architecture}`;
export const ETCD_VERSION = '3.6.8';
/** The real (not dev) Temporal server of the self-hosted tier; its go.mod has no replace directives. */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
/** Helm, which renders an app's chart (`app.helm`); its go.mod has no replace directives. */
export const HELM_VERSION = '4.3.2';
const kubeLdflags = [
  '-s -w',
  `-X k8s.io/component-base/version.gitVersion=v${KUBE_VERSION}`,
  '-X k8s.io/component-base/version.gitMajor=1',
  '-X k8s.io/component-base/version.gitMinor=36',
  '-X k8s.io/component-base/version.gitTreeState=clean',
  `-X k8s.io/client-go/pkg/version.gitVersion=v${KUBE_VERSION}`,
].join(' ');

export const components: Component[] = [
  {
    name: 'temporal',
    version: '1.5.1',
    tools: [tool('temporal', ['--version'], 'temporal version 1.5.1')],
    build: {
      kind: 'install',
      packages: ['github.com/temporalio/cli/cmd/temporal@v1.5.1'],
      ldflags: '-s -w -X github.com/temporalio/cli/temporalcli.Version=1.5.1',
    },
  },
  {
    name: 'kubernetes',
    version: KUBE_VERSION,
    tools: [
      tool('kube-apiserver', ['--version'], `v${KUBE_VERSION}`),
      tool('kube-controller-manager', ['--version'], `v${KUBE_VERSION}`),
      tool('kube-scheduler', ['--version'], `v${KUBE_VERSION}`),
      tool('kubectl', ['version', '--client'], `v${KUBE_VERSION}`),
    ],
    build: {
      kind: 'wrapper',
      moduleDir: 'tools/kube',
      ldflags: kubeLdflags,
      packages: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'].map((c) => ({
        pkg: `k8s.io/kubernetes/cmd/${c}`,
        out: c,
      })),
    },
  },
  {
    name: 'etcd',
    version: ETCD_VERSION,
    after: 'kubernetes',
    tools: [tool('etcd', ['--version'], ETCD_VERSION)],
    build: {
      kind: 'wrapper',
      moduleDir: 'tools/kube',
      ldflags: '-s -w',
      packages: [{ pkg: 'go.etcd.io/etcd/server/v3', out: 'etcd' }],
    },
  },
  {
    // In tools/kube too: kwok v0.8.0 requires the same k8s.io v0.36.1 modules, and tools/kube pins
    // the rest of its dependencies to the versions kubernetes builds with, so after kubernetes it
    // compiles only its own packages (its version is a constant in its source, not stamped).
    name: 'kwok',
    version: '0.8.0',
    after: 'kubernetes',
    tools: [tool('kwokctl', ['--version'], '0.8.0'), tool('kwok', ['--version'], '0.8.0')],
    build: {
      kind: 'wrapper',
      moduleDir: 'tools/kube',
      ldflags: '-s -w',
      packages: ['kwokctl', 'kwok'].map((c) => ({ pkg: `sigs.k8s.io/kwok/cmd/${c}`, out: c })),
    },
  },
  {
    name: 'registry',
    version: '3.1.1',
    tools: [tool('registry', ['--version'], '3.1.1')],
    // tools/registry: upstream's cmd/registry without the Azure, GCS and S3 storage drivers (the
    // stack stores on the filesystem); same module versions as `go install …/cmd/registry@v3.1.1`.
    build: {
      kind: 'wrapper',
      moduleDir: 'tools/registry',
      ldflags: '-s -w -X github.com/distribution/distribution/v3/version.version=v3.1.1',
      packages: [{ pkg: '.', out: 'registry' }],
    },
  },
  {
    // The real Temporal server and its SQL schema tool (PostgreSQL persistence and visibility).
    name: 'temporal-server',
    version: TEMPORAL_SERVER_VERSION,
    onDemand: true,
    tools: [
      tool('temporal-server', ['--version'], TEMPORAL_SERVER_VERSION),
      tool('temporal-sql-tool', ['--version'], TEMPORAL_SERVER_VERSION),
    ],
    build: {
      kind: 'install',
      packages: ['server', 'tools/sql'].map((p) => `go.temporal.io/server/cmd/${p}@v${TEMPORAL_SERVER_VERSION}`),
      ldflags: '-s -w',
      rename: { server: 'temporal-server', sql: 'temporal-sql-tool' },
      // The SQL schemas (schema/postgresql/v12/{temporal,visibility}) the schema tool applies.
      moduleDirs: [{ module: `go.temporal.io/server@v${TEMPORAL_SERVER_VERSION}`, dir: 'schema' }],
    },
  },
  {
    // Helm renders `app.helm` charts on the CLI side (`helm template`); built when a spec first needs it.
    name: 'helm',
    version: HELM_VERSION,
    onDemand: true,
    tools: [tool('helm', ['version', '--short'], `v${HELM_VERSION}`)],
    build: {
      kind: 'install',
      packages: [`helm.sh/helm/v4/cmd/helm@v${HELM_VERSION}`],
      ldflags: `-s -w -X helm.sh/helm/v4/internal/version.version=v${HELM_VERSION}`,
    },
  },
  {
    // The server of the builtin:demo image (tools/demo, no dependencies): linux binaries for the
    // image's platforms, and one for this machine that the local data plane runs as pods.
    name: 'demo',
    version: DEMO_VERSION,
    tools: [tool('demo', ['--version'], `gkeflow-demo ${DEMO_VERSION}`)],
    build: {
      kind: 'cross',
      moduleDir: 'tools/demo',
      ldflags: `-s -w -X main.version=${DEMO_VERSION}`,
      targets: [
        ...DEMO_PLATFORMS.map((p) => ({ goos: p.os, goarch: p.architecture, out: demoBinaryName(p) })),
        { goos: 'host', goarch: 'host', out: 'demo' },
      ],
    },
  },
];
