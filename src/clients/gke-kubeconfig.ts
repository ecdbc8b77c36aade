/**
 * The kubeconfig a user's kubectl needs for a real GKE cluster, as `gcloud container clusters
 * get-credentials` writes it: the endpoint and CA from GetCluster, and an exec stanza that
 * runs gke-gcloud-auth-plugin for a fresh token on each use. It holds no credential, so the
 * file it is written to never goes stale and leaks nothing.
 */
import { stringify } from 'yaml';
import type { EnvRef } from '../contract/environment-id';
import { serverUrl } from './kube';

/** What gcloud names the cluster, context and user: gke_<project>_<location>_<cluster>. */
export const gkeContextName = (env: EnvRef): string => `gke_${env.project}_${env.location}_${env.cluster}`;

/** The install hint gcloud writes, shown by kubectl when the plugin is missing. */
const INSTALL_HINT =
  'Install gke-gcloud-auth-plugin for use with kubectl by following ' +
  'https://cloud.google.com/kubernetes-engine/docs/how-to/cluster-access-for-kubectl#install_plugin';

/**
 * The kubeconfig YAML of a GKE cluster (endpoint: host, IP or URL; ca: base64 PEM,
 * masterAuth.clusterCaCertificate; empty for the DNS endpoint, served with a public certificate).
 */
export function gkeExecKubeconfig(env: EnvRef, endpoint: string, ca: string): string {
  const name = gkeContextName(env);
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ cluster: { ...(ca ? { 'certificate-authority-data': ca } : {}), server: serverUrl(endpoint) }, name }],
    contexts: [{ context: { cluster: name, user: name }, name }],
    'current-context': name,
    preferences: {},
    users: [
      {
        name,
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1beta1',
            command: 'gke-gcloud-auth-plugin',
            installHint: INSTALL_HINT,
            provideClusterInfo: true,
          },
        },
      },
    ],
  });
}
