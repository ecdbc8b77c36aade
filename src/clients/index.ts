/**
 * Every client a target needs, built once per worker: the GKE client, a per-environment
 * Kubernetes config lookup (GetCluster → endpoint, CA, client cert or token, in memory), and the
 * token source. Nothing here is ever passed through workflow history.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { gkeError } from './gke-errors';
import type { EnvRef } from '../contract/environment-id';
import { splitHostPort, type TargetConfig } from './config';
import type { TokenSource } from './credentials';
import { createGkeClient, tokenSourceFor, type GkeClient } from './gke';
import { kubeConfigForCluster } from './kube';
import { clusterName } from '../gke/resource-names';

export interface TargetClients {
  config: TargetConfig;
  gke: GkeClient;
  /** The KubeConfig of an environment's cluster, looked up now (tokens are short-lived: don't keep it). */
  kubeFor(env: EnvRef): Promise<KubeConfig>;
  close(): Promise<void>;
}

/** `projects/P/locations/L/clusters/C` of an environment. */
export const clusterResourceName = (env: EnvRef) => clusterName(env);

/** A kubeFor that asks GKE (or the emulator) for the cluster's endpoint and credentials. */
export function kubeForVia(
  gke: GkeClient,
  tokens: TokenSource | undefined,
  kubeApiProxy?: string,
  resolveGkeDns?: (host: string) => string,
): (env: EnvRef) => Promise<KubeConfig> {
  return async (env) => {
    const name = clusterResourceName(env);
    const cluster = await gke.getCluster(name).catch((e: unknown) => {
      throw gkeError(e, { cluster: name });
    });
    if (kubeApiProxy) return kubeConfigForCluster({ ...cluster, endpoint: kubeApiProxy }, tokens);
    return kubeConfigForCluster(cluster, tokens, resolveGkeDns);
  };
}

/**
 * The local cloud's stand-in for DNS: a `gke-….gke.goog` name resolves to the loopback address
 * the emulator answers on (its control planes listen there too). None on gcp: real DNS.
 */
export const localGkeDns = (config: TargetConfig): ((host: string) => string) | undefined =>
  config.target === 'local' ? () => splitHostPort(config.emulatorAddress).host : undefined;

/** Builds the clients of a target (local: emulator + local registry; gcp: Google APIs with ADC). */
export function createTargetClients(config: TargetConfig, overrides: { gke?: GkeClient } = {}): TargetClients {
  const gke = overrides.gke ?? createGkeClient(config);
  return {
    config,
    gke,
    kubeFor: kubeForVia(gke, tokenSourceFor(config), config.kubeApiProxy, localGkeDns(config)),
    close: () => gke.close(),
  };
}

export type { TargetConfig } from './config';
export { targetConfigFromEnv } from './config';
