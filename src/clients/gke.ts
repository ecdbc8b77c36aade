/**
 * The GKE ClusterManager client for a target: the official @google-cloud/container client,
 * pointed at the local emulator (insecure loopback gRPC) or at container.googleapis.com (TLS).
 * Auth is one mechanism for both: each call carries `authorization: Bearer <token>` from the
 * target's token source (ADC for gcp; only when configured for local). gax's own credential
 * lookup is bypassed by passing sslCreds, so nothing probes the metadata server.
 */
import { v1, type protos } from '@google-cloud/container';
import { grpc, type CallOptions, type ClientOptions } from 'google-gax';
import { splitHostPort, type TargetConfig } from './config';
import { adcTokenSource, requestHeaders, type TokenSource } from './credentials';

export type Cluster = protos.google.container.v1.ICluster;
export type Operation = protos.google.container.v1.IOperation;
export type ServerConfig = protos.google.container.v1.IServerConfig;

/** The ClusterManager calls the activities use; names are full resource names. */
export interface GkeClient {
  getCluster(name: string): Promise<Cluster>;
  listClusters(parent: string): Promise<Cluster[]>;
  createCluster(parent: string, cluster: Cluster): Promise<Operation>;
  deleteCluster(name: string): Promise<Operation>;
  setNodePoolSize(name: string, nodeCount: number): Promise<Operation>;
  /** SetLabels: replaces the cluster's resource labels; `fingerprint` is the one GetCluster returned. */
  setLabels(name: string, resourceLabels: Record<string, string>, labelFingerprint: string): Promise<Operation>;
  getOperation(name: string): Promise<Operation>;
  close(): Promise<void>;
}

export const GKE_API_ENDPOINT = 'container.googleapis.com';

/**
 * The constructor options of an official Google API client for a target: the local emulator's
 * gRPC port (insecure loopback), a test-only loopback override of the gcp path, or `apiHost`
 * over TLS. universeDomain stops the metadata-server lookup; the emulator ignores the project.
 */
export function googleApiClientOptions(config: TargetConfig, apiHost: string, gcpOverride?: string): ClientOptions {
  const insecure = (address: string) => {
    const { host, port } = splitHostPort(address);
    return { apiEndpoint: host, port, sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com' };
  };
  if (config.target === 'local') return { ...insecure(config.emulatorAddress), projectId: 'gkeflow-local' };
  // Tests only: the gcp code path against the local emulator (loopback, checked by the config).
  if (gcpOverride) return insecure(gcpOverride);
  return { apiEndpoint: apiHost, port: 443, sslCreds: grpc.credentials.createSsl(), universeDomain: 'googleapis.com' };
}

/** The constructor options of the GKE client for a target (exported for tests). */
export function gkeClientOptions(config: TargetConfig): ClientOptions {
  return googleApiClientOptions(config, GKE_API_ENDPOINT, config.gcpOverrides?.gke);
}

/**
 * Per-call options carrying the target's auth: google-auth-library's own headers (with user ADC
 * they include x-goog-user-project), or nothing for a local emulator without auth.
 */
export function authCallOptions(config: TargetConfig): () => Promise<CallOptions> {
  const tokens = tokenSourceFor(config);
  return async () => (tokens ? { otherArgs: { headers: await requestHeaders(tokens) } } : {});
}

const adcByConfig = new WeakMap<TargetConfig, TokenSource>();

/**
 * The token source of a target: the configured one, ADC for gcp (one per config, so its token
 * cache is shared by the GKE, Kubernetes and registry clients), none for a plain local emulator.
 */
export function tokenSourceFor(config: TargetConfig): TokenSource | undefined {
  if (config.tokenSource) return config.tokenSource;
  if (config.target !== 'gcp') return undefined;
  let adc = adcByConfig.get(config);
  if (!adc) adcByConfig.set(config, (adc = adcTokenSource()));
  return adc;
}

/** Builds the GKE client of a target. */
export function createGkeClient(config: TargetConfig): GkeClient {
  const client = new v1.ClusterManagerClient(gkeClientOptions(config));
  const opts = authCallOptions(config);
  return {
    getCluster: async (name) => (await client.getCluster({ name }, await opts()))[0],
    listClusters: async (parent) => (await client.listClusters({ parent }, await opts()))[0].clusters ?? [],
    createCluster: async (parent, cluster) => (await client.createCluster({ parent, cluster }, await opts()))[0],
    deleteCluster: async (name) => (await client.deleteCluster({ name }, await opts()))[0],
    setNodePoolSize: async (name, nodeCount) => (await client.setNodePoolSize({ name, nodeCount }, await opts()))[0],
    setLabels: async (name, resourceLabels, labelFingerprint) =>
      (await client.setLabels({ name, resourceLabels, labelFingerprint }, await opts()))[0],
    getOperation: async (name) => (await client.getOperation({ name }, await opts()))[0],
    close: () => client.close(),
  };
}

/**
 * GetServerConfig of `projects/P/locations/L` (what GKE offers there; INVALID_ARGUMENT for a
 * location it does not have), one attempt within `timeoutMs`: gax's own retries are off, the
 * caller retries as the failure registry says.
 */
export async function getServerConfig(config: TargetConfig, name: string, timeoutMs = 10_000): Promise<ServerConfig> {
  const client = new v1.ClusterManagerClient(gkeClientOptions(config));
  try {
    const auth = await authCallOptions(config)();
    return (await client.getServerConfig({ name }, { ...auth, timeout: timeoutMs, retry: { retryCodes: [] } }))[0];
  } finally {
    await client.close();
  }
}
