/**
 * A Kubernetes client configuration for a GKE cluster, built in memory from what GetCluster
 * returns: endpoint and CA, then either the client certificate and key (the local emulator's
 * clusters, unless it requires a fixed token) or a bearer token from the target's token source
 * (GKE, and an emulator started with --require-auth=TOKEN). Never written to disk and
 * never logged: a KubeConfig is a credential.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { InvalidArgumentError, PermissionDeniedError } from '../contract/activity-errors';
import type { TokenSource } from './credentials';
import type { Cluster } from './gke';

/** `https://host[:port]` for a GKE endpoint, which is a bare IP (port 443) or host:port. */
export function serverUrl(endpoint: string): string {
  return /^https?:\/\//.test(endpoint) ? endpoint : `https://${endpoint}`;
}

/**
 * Builds the KubeConfig of a cluster. With a client certificate in masterAuth (local) it is
 * used; otherwise a token is required (gcp: GKE accepts the OAuth2 access token of ADC).
 */
export async function kubeConfigForCluster(cluster: Cluster, tokens: TokenSource | undefined): Promise<KubeConfig> {
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
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name,
        server: serverUrl(cluster.endpoint),
        caData: auth.clusterCaCertificate || undefined,
        skipTLSVerify: false,
      },
    ],
    users: [user],
    contexts: [{ name, cluster: name, user: 'gkeflow' }],
    currentContext: name,
  });
  return kc;
}
