/**
 * The GKE activities' inputs and results (clusters, node pools, labels, health).
 * Plain JSON data only: everything here goes into workflow history, so it must never hold a
 * credential, token, kubeconfig, CA or client certificate.
 */
import type { EnvRef } from './environment-id';
import type { ReleaseChannel } from '../gke/rules';
import type { ResourceLabels } from './labels';
import type { SpecAccelerator, SpecTaint } from './environment-spec';

export interface NodePoolInput {
  name: string;
  machineType: string;
  /** Nodes per zone, as GKE counts them (a regional cluster has three times as many). */
  nodeCount: number;
  diskSizeGb?: number;
  autoscaling?: { minNodeCount: number; maxNodeCount: number };
  labels?: Record<string, string>;
  accelerators?: SpecAccelerator[];
  spot?: boolean;
  taints?: SpecTaint[];
}

export interface EnsureClusterInput {
  env: EnvRef;
  nodePools: NodePoolInput[];
  labels: ResourceLabels;
  /** Standard (default) or Autopilot. */
  mode?: 'standard' | 'autopilot';
  releaseChannel?: ReleaseChannel;
  /** The nodes' IAM service account (email); GKE's default is the Compute Engine default service account. */
  serviceAccount?: string;
  /** VPC network and subnetwork (names or resource paths); GKE's default is `default`. */
  network?: string;
  subnetwork?: string;
  /** Workload Identity: pool PROJECT.svc.id.goog, GKE_METADATA on every node pool. */
  workloadIdentity?: boolean;
  /** Existing secondary ranges for pods and Services (a Shared VPC subnetwork needs them). */
  secondaryRanges?: { cluster: string; services: string };
  /** Nodes without external IPs. */
  privateNodes?: boolean;
  /** GKE's control plane endpoints: the public IP endpoint and the DNS endpoint's external traffic. */
  controlPlaneEndpoints?: { enablePublicEndpoint: boolean; allowExternalTraffic: boolean };
}

export interface EnsureClusterResult {
  /** true when this call created it; false when an existing cluster of this environment was adopted. */
  created: boolean;
  status: string;
  /** Public endpoint host (no credentials). */
  endpoint: string;
  /** Nodes in all the cluster's zones (GKE's counts in the spec are per zone). */
  nodeCount: number;
  /** Zones the nodes run in: 1 for a zonal cluster, 3 for a regional one. Absent in older histories. */
  zones?: number;
}

export interface ResizeNodePoolInput {
  env: EnvRef;
  pool: string;
  nodeCount: number;
}

export interface DeleteClusterResult {
  /** false when it was already gone (NOT_FOUND counts as done). */
  deleted: boolean;
}

export interface SetClusterLabelsInput {
  env: EnvRef;
  /** Labels to set or overwrite; every other label of the cluster is kept. */
  labels: ResourceLabels;
}

/** What checkHealth looks at: the environment's cluster, Deployment and Service. */
export interface HealthCheckInput {
  env: EnvRef;
  namespace: string;
  /** gkeflow's own Deployment; absent for an app (its manifests hold the workloads). */
  deployment?: string;
  service: string;
}

/** What checkHealth saw. Plain facts; the workflow decides what counts as drift. */
export interface HealthReport {
  /** GKE's cluster status (RUNNING, RECONCILING, …), or `MISSING` when GKE answers NOT_FOUND. */
  cluster: string;
  /** Each node pool's size (nodes per zone) and status, as GKE reports them. */
  pools: Array<{ name: string; nodeCount: number; status: string }>;
  /** The Kubernetes side, when the cluster has a control plane that answered. */
  kube?: {
    nodesReady: number;
    /** Absent when the Deployment does not exist. */
    deployment?: { replicas: number; availableReplicas: number };
    /** The Service's external IP; absent when the Service or its IP is gone. */
    serviceIp?: string;
    serviceExists: boolean;
  };
  /** Why the Kubernetes side was not checked (no control plane, API unreachable). */
  kubeUnchecked?: string;
}
