/**
 * The namespace environment's activities' inputs and results: its own namespace (labelled with
 * owner and expiry, with an optional ResourceQuota) on a cluster gkeflow did not create.
 * Plain JSON only: everything here goes into workflow history, never a credential.
 */
import type { EnvRef } from './environment-id';
import type { ResourceLabels } from './labels';

export interface EnsureNamespaceInput {
  env: EnvRef;
  namespace: string;
  /** Owner, expiry and the spec's labels; the activity adds managed-by and gkeflow-env itself. */
  labels: ResourceLabels;
  /** The ResourceQuota's `spec.hard` (resource → quantity); absent: no quota. */
  quota?: Record<string, string>;
}

export interface EnsureNamespaceResult {
  /** true when this call created the namespace; false when this environment's was there already (relabelled). */
  created: boolean;
}

export interface DeleteNamespaceInput {
  env: EnvRef;
  namespace: string;
}

export interface DeleteNamespaceResult {
  /** false when it was already gone. */
  deleted: boolean;
  /** The LoadBalancer Services and Ingresses (`Kind name`) deleted and waited for before the namespace. */
  released: string[];
}
