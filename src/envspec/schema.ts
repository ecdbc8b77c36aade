/**
 * The zod schema of an environment spec: per-field rules (names, ranges, grammars) and defaults.
 * Rules that relate fields to each other live in cross-checks.ts. Pure zod: the workflow bundle
 * uses it to re-validate its input.
 */
import { z } from 'zod';
import type { PlanStep, SpecContainerPort } from '../contract/environment-spec';
import {
  gkeNameProblem,
  isLocation,
  GCP_LABEL_KEY_RE,
  GCP_LABEL_VALUE_RE,
  machineTypeProblem,
  MAX_POOL_NODES,
  PROJECT_ID_RE,
  RELEASE_CHANNELS,
  SERVICE_ACCOUNT_RE,
} from '../gke/rules';
import { buildAppSchemas } from './app-schema';
import { existingClusterFields } from './existing-cluster';
import { parseArtifactRepository, parseImageReference, parseImageSource } from './image-ref';
import {
  dns1035LabelProblem,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  envNameProblem,
  k8sLabelKeyProblem,
  k8sLabelValueProblem,
  parseDuration,
  parseQuantity,
} from './names';

/** TTL bounds: anything shorter tears down before it is useful; longer is a forgotten bill. */
export const TTL_MIN_MS = 1000;
export const TTL_MAX_MS = 30 * 86_400_000;
export const MAX_REPLICAS = 1000;

/** Drift check interval bounds: often enough to notice, rarely enough to stay cheap. */
export const HEALTH_INTERVAL_MIN_MS = 1000;
export const HEALTH_INTERVAL_MAX_MS = 86_400_000;

/** The problem with a TTL (`2h`, `1h30m`), or undefined: one rule for the spec, `up --ttl` and `extend --ttl`. */
export function ttlProblem(v: string): string | undefined {
  const ms = parseDuration(v);
  if (ms === undefined) return `"${v}" is not a duration (e.g. 90s, 30m, 2h, 1h30m, 7d)`;
  if (ms < TTL_MIN_MS || ms > TTL_MAX_MS) return `must be between 1s and 30d (got ${v})`;
  return undefined;
}

/** The problem with a drift check interval, or undefined. */
export function healthIntervalProblem(v: string): string | undefined {
  const ms = parseDuration(v);
  if (ms === undefined) return `"${v}" is not a duration (e.g. 30s, 5m, 1h)`;
  if (ms < HEALTH_INTERVAL_MIN_MS || ms > HEALTH_INTERVAL_MAX_MS) return `must be between 1s and 24h (got ${v})`;
  return undefined;
}

/** A subnetwork secondary range name: Compute Engine's RFC 1035 names. */
const secondaryRangeProblem = (v: string): string | undefined =>
  /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v)
    ? undefined
    : 'must be a secondary range name: 1-63 lowercase letters, digits or hyphens, starting with a letter';

/** A string checked by a function returning a problem (or undefined). */
const checked = (problem: (v: string) => string | undefined) =>
  z.string().superRefine((v, ctx) => {
    const p = problem(v);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  });

const int = (min: number, max: number, what: string) =>
  z
    .int({ error: `must be a whole number ${what}` })
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

/** A node count: GKE counts nodes per zone (a regional cluster has three times as many). */
const nodesPerZone = (min: number) =>
  z
    .int({ error: 'must be a whole number of nodes per zone' })
    .min(min, `must be at least ${min} node${min === 1 ? '' : 's'} per zone`)
    .max(MAX_POOL_NODES, `must be at most ${MAX_POOL_NODES} nodes per zone (GKE's limit per pool and zone)`);

/** GKE's NodeTaint effects (the API's words; Kubernetes spells them NoSchedule, PreferNoSchedule, NoExecute). */
export const TAINT_EFFECTS = ['NO_SCHEDULE', 'PREFER_NO_SCHEDULE', 'NO_EXECUTE'] as const;
/** GKE's gpuDriverInstallationConfig.gpuDriverVersion values gkeflow passes on. */
export const GPU_DRIVER_VERSIONS = ['DEFAULT', 'LATEST', 'INSTALLATION_DISABLED'] as const;

/**
 * Builds the environment spec schema (structure, per-field rules, defaults), afresh on each call.
 * Not a module constant on purpose: the Temporal worker evaluates the workflow bundle once per
 * cached workflow, and ~180 zod objects held in module scope were ~1.6 MB retained per cached
 * workflow (issue 23). Callers build it per validation and let it go.
 */
export function buildSchemas() {
  const { appSchema } = buildAppSchemas();
  const gkeName = checked(gkeNameProblem);
  const portNumber = int(1, 65535, '(a port 1-65535)');
  const protocol = z.enum(['TCP', 'UDP']).default('TCP');
  /** IANA service names, as Kubernetes requires for port names. */
  const portName = checked((v) =>
    v.length <= 15 && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(v) && /[a-z]/.test(v)
      ? undefined
      : 'port name must be at most 15 lowercase letters, digits and single hyphens, with at least one letter',
  );

  const k8sLabels = z.record(checked(k8sLabelKeyProblem), checked(k8sLabelValueProblem));
  const RESERVED_LABEL = /^(managed-by|gkeflow-.*)$/;
  const gcpLabels = z.record(
    checked((k) =>
      !GCP_LABEL_KEY_RE.test(k)
        ? `label key "${k}" must start with a lowercase letter and hold at most 63 lowercase letters, digits, '-' or '_'`
        : RESERVED_LABEL.test(k)
          ? `label key "${k}" is reserved for gkeflow`
          : undefined,
    ),
    checked((v) =>
      GCP_LABEL_VALUE_RE.test(v)
        ? undefined
        : `label value "${v}" must be at most 63 lowercase letters, digits, '-' or '_'`,
    ),
  );

  const quantity = z
    .union([z.string(), z.number()])
    .transform(String)
    .superRefine((v, ctx) => {
      if (parseQuantity(v) === undefined)
        ctx.addIssue({ code: 'custom', message: `"${v}" is not a Kubernetes quantity (e.g. 250m, 0.5, 128Mi, 1Gi)` });
    });
  const resourceList = z.strictObject({
    cpu: quantity.optional(),
    memory: quantity.optional(),
    'ephemeral-storage': quantity.optional(),
    /** GPUs (whole numbers; GKE's ExtendedResourceToleration lets such pods onto tainted GPU nodes). */
    'nvidia.com/gpu': quantity.optional(),
  });

  const k8sProbe = z
    .strictObject({
      httpGet: z.strictObject({ path: z.string().startsWith('/', 'must start with /'), port: portNumber }).optional(),
      tcpSocket: z.strictObject({ port: portNumber }).optional(),
      initialDelaySeconds: int(0, 3600, 'of seconds').optional(),
      periodSeconds: int(1, 3600, 'of seconds').optional(),
    })
    .refine(
      (p) => (p.httpGet === undefined) !== (p.tcpSocket === undefined),
      'must have exactly one of httpGet, tcpSocket',
    );

  /** GPUs on each node: which exist where, on which machine, in what count is GKE's to say (`gkeflow plan` asks). */
  const accelerator = z.strictObject({
    type: z
      .string()
      .regex(/^[a-z][-a-z0-9]{0,62}$/, 'must be an accelerator type name (e.g. nvidia-l4, nvidia-tesla-t4)'),
    count: int(1, 16, 'of GPUs per node'),
    /** GKE installs the NVIDIA driver (DEFAULT or LATEST version) unless INSTALLATION_DISABLED. */
    gpuDriverVersion: z.enum(GPU_DRIVER_VERSIONS).default('DEFAULT'),
  });

  const taint = z.strictObject({
    key: checked(k8sLabelKeyProblem),
    value: checked(k8sLabelValueProblem).default(''),
    effect: z.enum(TAINT_EFFECTS, { error: `must be one of ${TAINT_EFFECTS.join(', ')}` }),
  });

  const nodePool = z.strictObject({
    name: gkeName,
    machineType: checked(machineTypeProblem),
    /** Nodes per zone: a regional cluster runs this many in each of its three zones. */
    nodeCount: nodesPerZone(1),
    diskSizeGb: int(10, 65536, 'of GB').default(100),
    autoscaling: z
      .strictObject({
        min: nodesPerZone(0),
        max: nodesPerZone(1),
      })
      .optional(),
    labels: k8sLabels.default({}),
    accelerators: z.array(accelerator).max(1, 'GKE takes one accelerator type per node pool').optional(),
    /** Spot VMs: GKE labels the nodes cloud.google.com/gke-spot=true; Compute Engine may preempt them. */
    spot: z.boolean().optional(),
    taints: z.array(taint).optional(),
  });

  const containerPort = z.union([
    portNumber.transform((containerPort): SpecContainerPort => ({ containerPort, protocol: 'TCP' })),
    z.strictObject({ name: portName.optional(), containerPort: portNumber, protocol }),
  ]);

  /** An env value kept out of workflow history: the worker reads it from its environment or a file. */
  const secretEnvSource = z.strictObject({
    secretFrom: z
      .string()
      .regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/, 'must be env:<VARIABLE> or file:<path> (read by the worker)'),
  });

  const container = z.strictObject({
    name: checked(dns1123LabelProblem),
    /** An image reference, or `$image` for the image gkeflow pushed. */
    image: z
      .string()
      .default('$image')
      .superRefine((v, ctx) => {
        const r = v === '$image' ? undefined : parseImageReference(v);
        if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
      }),
    ports: z.array(containerPort).default([]),
    /** A value, or `{secretFrom: env:VAR | file:PATH}`: read by the worker into a Secret, never in history. */
    env: z
      .record(
        checked(envNameProblem),
        z.union([z.union([z.string(), z.number(), z.boolean()]).transform(String), secretEnvSource]),
      )
      .default({}),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    resources: z.strictObject({ requests: resourceList.optional(), limits: resourceList.optional() }).optional(),
    readinessProbe: k8sProbe.optional(),
    livenessProbe: k8sProbe.optional(),
  });

  const step = z
    .strictObject({
      scale: int(0, MAX_REPLICAS, 'of replicas').optional(),
      resize: z.strictObject({ pool: gkeName, nodeCount: nodesPerZone(0) }).optional(),
    })
    .refine((s) => (s.scale === undefined) !== (s.resize === undefined), 'must have exactly one of scale, resize')
    .transform((s) => s as PlanStep);

  /** The environment spec schema (structure, per-field rules, defaults). */
  const environmentSchema = z.strictObject({
    apiVersion: z.literal('gkeflow/v1', { error: 'must be gkeflow/v1' }),
    kind: z.literal('Environment', { error: 'must be Environment' }),
    target: z.enum(['local', 'gcp']).default('local'),
    project: z
      .string()
      .regex(
        PROJECT_ID_RE,
        'must be a GCP project id: 6-30 lowercase letters, digits or hyphens, starting with a letter, not ending with a hyphen',
      ),
    location: checked((v) =>
      isLocation(v) ? undefined : `"${v}" is not a GCP region (like us-east5) or zone (like us-east5-a)`,
    ),
    cluster: z.strictObject({
      /** The cluster gkeflow creates (and deletes); or, instead, `existing` (existing-cluster.ts). */
      name: gkeName.optional(),
      ...existingClusterFields(),
      mode: z.enum(['standard', 'autopilot']).default('standard'),
      releaseChannel: z.enum(RELEASE_CHANNELS).optional(),
      /** The nodes' IAM service account (email); GKE's default is the Compute Engine default service account. */
      serviceAccount: z
        .string()
        .regex(SERVICE_ACCOUNT_RE, 'must be a service account email (NAME@PROJECT.iam.gserviceaccount.com)')
        .optional(),
      /** VPC-native networking (alias IPs); the only mode gkeflow creates. */
      useIpAliases: z.literal(true, { error: 'must be true: gkeflow creates VPC-native clusters' }).optional(),
      /** VPC network and subnetwork (names or projects/…/regions/…/subnetworks/… paths); GKE's default is `default`. */
      network: z
        .string()
        .regex(/^([-a-z0-9/]+\/)?[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a network name or path')
        .optional(),
      subnetwork: z
        .string()
        .regex(/^([-a-z0-9/]+\/)?[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a subnetwork name or path')
        .optional(),
      nodePools: z.array(nodePool).optional(),
      /** Workload Identity: pool `PROJECT.svc.id.goog`, GKE's metadata server (GKE_METADATA) on every node pool. */
      workloadIdentity: z.boolean().optional(),
      /** Existing secondary ranges of the subnetwork for pods and Services (required on a Shared VPC subnetwork). */
      clusterSecondaryRangeName: checked(secondaryRangeProblem).optional(),
      servicesSecondaryRangeName: checked(secondaryRangeProblem).optional(),
      /** Nodes without external IPs (privateClusterConfig.enablePrivateNodes). */
      privateNodes: z.boolean().optional(),
      /** How the control plane is reached: GKE's IP endpoints and its DNS-based endpoint. */
      controlPlaneEndpoints: z
        .strictObject({
          /** ipEndpointsConfig.enablePublicEndpoint (GKE's default: true). */
          enablePublicEndpoint: z.boolean().optional(),
          /** dnsEndpointConfig.allowExternalTraffic: the DNS endpoint answers from outside the VPC (GKE's default: false). */
          allowExternalTraffic: z.boolean().optional(),
          /** The worker runs inside the cluster's VPC, so it may use the private endpoint (gcp only). */
          workerInVpc: z.boolean().optional(),
        })
        .optional(),
    }),
    image: z
      .strictObject({
        source: z.string().superRefine((v, ctx) => {
          const r = parseImageSource(v);
          if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
        }),
        repository: z
          .string()
          .superRefine((v, ctx) => {
            const r = parseArtifactRepository(v);
            if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
          })
          .optional(),
        tag: z
          .string()
          .regex(/^[\w][\w.-]{0,127}$/, 'must be 1-128 of letters, digits, _ . -, not starting with . or -')
          .default('latest'),
        /** Delete the pushed tag when the environment is torn down (its own teardown or the reaper's). */
        deleteOnTeardown: z.boolean().default(false),
      })
      .optional(),
    /** gkeflow's own Deployment and Service (both), or `app:` (the user's manifests): one of the two. */
    deployment: z
      .strictObject({
        name: checked(dns1123SubdomainProblem),
        namespace: checked(dns1123LabelProblem).default('default'),
        replicas: int(1, MAX_REPLICAS, 'of replicas').default(1),
        containers: z.array(container).min(1, 'must list at least one container'),
        labels: k8sLabels.default({}),
        /** Pin the pods to one node pool. */
        nodePool: gkeName.optional(),
      })
      .optional(),
    service: z
      .strictObject({
        name: checked(dns1035LabelProblem).optional(),
        type: z.literal('LoadBalancer', { error: 'must be LoadBalancer' }).default('LoadBalancer'),
        ports: z
          .array(
            z.strictObject({
              name: portName.optional(),
              port: portNumber,
              targetPort: portNumber.optional(),
              protocol,
            }),
          )
          .min(1, 'must list at least one port'),
      })
      .optional(),
    app: appSchema.optional(),
    steps: z.array(step).default([]),
    probe: z
      .strictObject({
        enabled: z.boolean().default(true),
        path: z.string().startsWith('/', 'must start with /').default('/'),
        expectStatus: int(100, 599, '(an HTTP status)').default(200),
        port: portNumber.optional(),
      })
      .prefault({}),
    ttl: checked(ttlProblem).default('4h'),
    /** The drift check: how often the workflow looks at its cluster, Deployment and Service. */
    healthCheck: z
      .strictObject({
        enabled: z.boolean().default(true),
        interval: checked(healthIntervalProblem).default('5m'),
      })
      .prefault({}),
    labels: gcpLabels.default({}),
  });
  return { environmentSchema };
}

/** What the schema accepts (before defaults). */
export type EnvironmentSpecInput = z.input<EnvironmentSchema>;
/** A parsed spec before the defaults that depend on other fields are filled in. */
export type ParsedSpec = z.output<EnvironmentSchema>;
/** The type of buildSchemas().environmentSchema. */
export type EnvironmentSchema = ReturnType<typeof buildSchemas>['environmentSchema'];
