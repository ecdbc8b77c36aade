/**
 * A Kubernetes client configuration for a GKE cluster, built in memory from what GetCluster
 * returns: endpoint and CA, then either the client certificate and key (the local emulator's
 * clusters, unless it requires a fixed token) or a bearer token from the target's token source
 * (GKE, and an emulator started with --require-auth=TOKEN). Never written to disk and
 * never logged: a KubeConfig is a credential.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeLib } from './kube-lib';
import { InvalidArgumentError, PermissionDeniedError } from '../contract/activity-errors';
import type { TokenSource } from './credentials';
import type { Cluster } from './gke';

/** `https://host[:port]` for a GKE endpoint, which is a bare IP (port 443) or host:port. */
export function serverUrl(endpoint: string): string {
  return /^https?:\/\//.test(endpoint) ? endpoint : `https://${endpoint}`;
}

/** GKE's DNS-based control plane endpoints: `gke-….REGION.gke.goog`. */
const GKE_DNS_ENDPOINT = /^(gke-[a-z0-9-]+\.[a-z0-9-]+\.gke\.goog)(:\d+)?$/;

/**
 * Where the worker reaches a cluster's control plane, by what GetCluster says: the `endpoint`
 * (public, or private when the spec says the worker is in the VPC), unless the public endpoint
 * is off and the DNS-based endpoint takes external traffic. GKE's DNS endpoint serves a
 * publicly trusted certificate (no cluster CA); a local one is resolved by `resolveGkeDns` to the
 * loopback address its control plane answers on, under the cluster's own CA.
 */
export function controlPlaneServer(
  cluster: Cluster,
  resolveGkeDns?: (host: string) => string,
): { server: string; caData?: string } {
  const ca = cluster.masterAuth?.clusterCaCertificate || undefined;
  const cpe = cluster.controlPlaneEndpointsConfig;
  const dns = cpe?.dnsEndpointConfig;
  const m = GKE_DNS_ENDPOINT.exec(dns?.endpoint ?? '');
  if (cpe?.ipEndpointsConfig?.enablePublicEndpoint === false && dns?.allowExternalTraffic && m?.[1]) {
    if (!resolveGkeDns) return { server: `https://${m[1]}${m[2] ?? ''}` };
    return { server: `https://${resolveGkeDns(m[1])}${m[2] ?? ''}`, ...(ca ? { caData: ca } : {}) };
  }
  return { server: serverUrl(cluster.endpoint ?? ''), ...(ca ? { caData: ca } : {}) };
}

/**
 * Builds the KubeConfig of a cluster. With a client certificate in masterAuth (local) it is
 * used; otherwise a token is required (gcp: GKE accepts the OAuth2 access token of ADC).
 */
export async function kubeConfigForCluster(
  cluster: Cluster,
  tokens: TokenSource | undefined,
  resolveGkeDns?: (host: string) => string,
): Promise<KubeConfig> {
  const name = cluster.name ?? 'cluster';
  if (!cluster.endpoint)
    throw new InvalidArgumentError(`cluster ${name} has no endpoint yet (status ${String(cluster.status)})`, {
      cluster: name,
    });
  const auth = cluster.masterAuth ?? {};
  let user: Record<string, string>;
  if (auth.clientCertificate && auth.clientKey) {
    user = { name: 'gkeflow', certData: auth.clientCertificate, keyData: auth.clientKey };
  } else if (tokens) {
    user = { name: 'gkeflow', token: await tokens.getAccessToken() };
  } else {
    throw new PermissionDeniedError(`cluster ${name} offers no client certificate and no token source is configured`, {
      cluster: name,
    });
  }
  const { server, caData } = controlPlaneServer(cluster, resolveGkeDns);
  const kc = new (await kubeLib()).KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name, server, caData, skipTLSVerify: false }],
    users: [user],
    contexts: [{ name, cluster: name, user: 'gkeflow' }],
    currentContext: name,
  });
  return kc;
}
