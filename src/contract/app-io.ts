/**
 * The app activities' inputs and results (applyApp, deleteApp): the user's rendered manifests
 * applied as one ApplySet. The manifests themselves never cross here: the input names the
 * bundle by digest and the activity fetches it from the registry, so Secrets in an app never
 * reach workflow history and a bundle's size is not bounded by a payload limit.
 */
import type { EnvRef } from './environment-id';
import type { ResourceLabels } from './labels';

export interface ApplyAppInput {
  env: EnvRef;
  /** Labels every member carries beside the ApplySet's (managed-by, gkeflow-env, expires-at). */
  labels: ResourceLabels;
  /** The namespace of members that name none, and of the ApplySet's parent (created if missing). */
  namespace: string;
  /** `REPOSITORY@sha256:…` of the rendered bundle. */
  bundle: string;
  /** `repository@digest` of the pushed image, for every container whose image is `$image`. */
  image?: string;
  /** The LoadBalancer Service whose IP is the endpoint. */
  endpoint: { service: string; port: number };
}

export interface ApplyAppResult {
  /** The endpoint Service's external IP. */
  ip: string;
  /** `Kind namespace/name` of every member applied. */
  applied: string[];
  /** `Kind namespace/name` of every member deleted because the bundle no longer holds it. */
  pruned: string[];
}

export interface DeleteAppInput {
  env: EnvRef;
  /** The namespace of the ApplySet's parent. */
  namespace: string;
}

export interface DeleteAppResult {
  deleted: boolean;
  /** `Kind namespace/name` of every member deleted. */
  members: string[];
  /**
   * The cluster itself was already gone: the ApplySet could not be read, so its LoadBalancer
   * Services, Ingresses and Gateways may have left their cloud load balancers (GKE does not release them).
   */
  clusterMissing?: boolean;
}
