/**
 * Which cloud the activities talk to, built from the environment once per worker.
 *
 * | env var                    | meaning                                              | default          |
 * |----------------------------|------------------------------------------------------|------------------|
 * | GKEFLOW_TARGET             | `local` (emulator + local registry) or `gcp`         | `local`          |
 * | GKEFLOW_EMULATOR_ADDRESS   | host:port of the GKE emulator (local)                | the local stack's, see src/config/endpoints |
 * | GKEFLOW_REGISTRY_ADDRESS   | host:port of the OCI registry (local)                | the local stack's, see src/config/endpoints |
 * | GKEFLOW_EMULATOR_TOKEN     | static bearer token for an emulator started with --require-auth (local) | none |
 * | GKEFLOW_KUBE_API_PROXY     | host:port every Kubernetes API call of a local cluster goes through instead of the cluster's endpoint (tests: a fault-injecting proxy; TLS and the cluster's CA still apply) | none |
 *
 * Endpoint overrides for the gcp target, for tests only (real users never need them): they point
 * the gcp code path (ADC tokens, bearer auth, the Artifact Registry token exchange) at the local
 * cloud over plain loopback connections, and are refused for any other host.
 * GKEFLOW_GCP_GKE_ENDPOINT, GKEFLOW_GCP_ARTIFACT_REGISTRY_ENDPOINT (the emulator's gRPC port) and
 * GKEFLOW_GCP_REGISTRY_ENDPOINT (the local Artifact Registry's Docker endpoint), each host:port.
 */
import { checkEndpoints, type Endpoints } from '../config/endpoints';
import { UsageError } from '../config/errors';
import { staticTokenSource, type TokenSource } from './credentials';

export type TargetKind = 'local' | 'gcp';

/** Where the gcp target's APIs are reached instead of Google's (loopback host:port, plaintext; tests only). */
export interface GcpEndpointOverrides {
  gke?: string;
  artifactRegistry?: string;
  /** Every `LOCATION-docker.pkg.dev` host. */
  registry?: string;
}

/** The env vars of GcpEndpointOverrides. */
export const GCP_OVERRIDE_ENV = Object.freeze({
  gke: 'GKEFLOW_GCP_GKE_ENDPOINT',
  artifactRegistry: 'GKEFLOW_GCP_ARTIFACT_REGISTRY_ENDPOINT',
  registry: 'GKEFLOW_GCP_REGISTRY_ENDPOINT',
} as const);

const LOOPBACK_ADDRESS_RE = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+$/;

export interface TargetConfig {
  target: TargetKind;
  /** host:port of the GKE emulator; used by the local target only. */
  emulatorAddress: string;
  /** host:port of the local OCI registry; used by the local target only. */
  registryAddress: string;
  /**
   * Where access tokens come from. gcp: Application Default Credentials when absent (tests pass
   * a fake). local: absent means no auth; set it to talk to an emulator started with --require-auth.
   */
  tokenSource?: TokenSource;
  /** host:port that Kubernetes API calls go to instead of a local cluster's endpoint (GKEFLOW_KUBE_API_PROXY). */
  kubeApiProxy?: string;
  /** gcp only: see GcpEndpointOverrides. */
  gcpOverrides?: GcpEndpointOverrides;
}

/**
 * Reads the target from env vars (see the table above); every problem is reported at once.
 * `read`: the endpoints already read by the caller (a worker reads them once for every setting).
 */
export function targetConfigFromEnv(env: NodeJS.ProcessEnv = process.env, read?: Endpoints): TargetConfig {
  const problems: string[] = [];
  const target = (env.GKEFLOW_TARGET || 'local') as TargetKind;
  if (target !== 'local' && target !== 'gcp')
    problems.push(`GKEFLOW_TARGET must be 'local' or 'gcp' (got '${target}')`);
  // Without an explicit address, the endpoints follow the local stack's ports (a stack moved by its port vars).
  const { endpoints, problems: endpointProblems } = read ? { endpoints: read, problems: [] } : checkEndpoints(env);
  problems.push(...endpointProblems);
  const { emulatorAddress, registryAddress } = endpoints;
  const overrides: GcpEndpointOverrides = {};
  for (const [key, name] of Object.entries(GCP_OVERRIDE_ENV) as Array<[keyof GcpEndpointOverrides, string]>) {
    const v = env[name];
    if (!v) continue;
    if (!LOOPBACK_ADDRESS_RE.test(v)) problems.push(`${name} must be a loopback host:port (got '${v.slice(0, 100)}')`);
    else overrides[key] = v;
  }
  if (problems.length) throw new UsageError(problems.join('; '), 'GKF-TARGET-CONFIG');
  const token = env.GKEFLOW_EMULATOR_TOKEN;
  const kubeApiProxy = env.GKEFLOW_KUBE_API_PROXY;
  return Object.freeze({
    target,
    emulatorAddress,
    registryAddress,
    ...(target === 'local' && token ? { tokenSource: staticTokenSource(token) } : {}),
    ...(target === 'local' && kubeApiProxy ? { kubeApiProxy } : {}),
    ...(target === 'gcp' && Object.keys(overrides).length ? { gcpOverrides: Object.freeze(overrides) } : {}),
  });
}

/** Splits host:port (IPv6 in brackets allowed). */
export function splitHostPort(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(address.slice(i + 1)) };
}
