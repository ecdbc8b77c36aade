/**
 * The emulator's records: clusters with their node pools, operations, leaked load balancers.
 * Every field is readonly: only the store (store.ts) changes them, through its transitions.
 */
import type { ClusterKey } from '../gke/names';

/** Cluster.Status values the emulator uses. */
export type ClusterStatus = 'PROVISIONING' | 'RUNNING' | 'RECONCILING' | 'STOPPING' | 'ERROR' | 'DEGRADED';
/** NodePool.Status values the emulator uses. */
export type PoolStatus = 'PROVISIONING' | 'RUNNING' | 'RECONCILING' | 'STOPPING' | 'ERROR';

/** A pool's autoscaling bounds (per zone). */
export interface Autoscaling {
  readonly enabled: boolean;
  readonly minNodeCount: number;
  readonly maxNodeCount: number;
  readonly autoprovisioned?: boolean;
}

/** A stored node pool. */
export interface PoolRecord {
  readonly name: string;
  readonly machineType: string;
  readonly diskSizeGb: number;
  readonly imageType: string;
  /** Kubernetes labels GKE puts on the pool's nodes (NodeConfig.labels). */
  readonly labels: Readonly<Record<string, string>>;
  /** Nodes per zone, as GKE counts them. */
  readonly nodeCount: number;
  /** Zones the pool's nodes run in: total nodes = nodeCount × locations.length. */
  readonly locations: readonly string[];
  readonly autoscaling?: Autoscaling;
  readonly status: PoolStatus;
  readonly statusMessage?: string;
  readonly version: string;
  readonly createTime: string;
  /** NodeConfig.oauthScopes as GKE keeps them; absent in state files written before they were kept (cloud-platform). */
  readonly oauthScopes?: readonly string[];
  /** NodeConfig.serviceAccount (`default`: the Compute Engine default service account). */
  readonly serviceAccount?: string;
  /** NodeConfig.workloadMetadataConfig.mode, when set or implied by the cluster's Workload Identity. */
  readonly workloadMetadataMode?: 'GKE_METADATA' | 'GCE_METADATA';
  /** NodeConfig.accelerators (GPUs per node); absent: none. */
  readonly accelerators?: readonly PoolAccelerator[];
  /** NodeConfig.spot. */
  readonly spot?: boolean;
  /** NodeConfig.taints, as GKE's NodeTaint effects. */
  readonly taints?: readonly PoolTaint[];
}

/** GPUs on each node of a pool (NodeConfig.accelerators[]). */
export interface PoolAccelerator {
  readonly type: string;
  readonly count: number;
  /** gpuDriverInstallationConfig.gpuDriverVersion: DEFAULT, LATEST or INSTALLATION_DISABLED. */
  readonly gpuDriverVersion?: string;
}

/** A node taint as GKE's API spells it. */
export interface PoolTaint {
  readonly key: string;
  readonly value: string;
  readonly effect: 'NO_SCHEDULE' | 'PREFER_NO_SCHEDULE' | 'NO_EXECUTE';
}

/** How clients reach the cluster's Kubernetes API; empty for clusters without a control plane. */
export interface ControlPlaneAccess {
  /** `127.0.0.1:<port>` (GKE gives a bare IP; the port is part of it here). */
  readonly endpoint: string;
  readonly caData: string;
  readonly clientCertData: string;
  readonly clientKeyData: string;
  /** The kwok cluster behind it, if any. */
  readonly kwokName?: string;
  /**
   * Its kube-apiserver takes the emulator's --require-auth token as a bearer token (a token auth
   * file rewritten at each start). Absent for control planes made before clusters took tokens:
   * those keep handing out the client certificate.
   */
  readonly acceptsToken?: boolean;
}

/** Cluster-wide settings of issue 22 (absent in older state files: no Workload Identity, public endpoint). */
export interface ClusterConfig {
  /** workloadIdentityConfig.workloadPool: `PROJECT.svc.id.goog`. */
  readonly workloadPool?: string;
  /** ipAllocationPolicy's existing secondary ranges (required on a Shared VPC subnetwork). */
  readonly clusterSecondaryRangeName?: string;
  readonly servicesSecondaryRangeName?: string;
  /** Nodes without external IPs. */
  readonly privateNodes?: boolean;
  /** ipEndpointsConfig.enablePublicEndpoint (GKE's default: true). */
  readonly publicEndpoint?: boolean;
  /** dnsEndpointConfig.allowExternalTraffic (GKE's default: false). */
  readonly dnsAllowExternalTraffic?: boolean;
  /** dnsEndpointConfig.endpoint: `gke-….REGION.gke.goog`. */
  readonly dnsEndpoint?: string;
}

/** A stored cluster: GKE metadata plus how to reach its control plane. */
export interface ClusterRecord extends ClusterKey, ClusterConfig {
  readonly id: string;
  readonly description: string;
  readonly createTime: string;
  readonly status: ClusterStatus;
  readonly statusMessage: string;
  readonly resourceLabels: Readonly<Record<string, string>>;
  readonly labelFingerprint: string;
  readonly locations: readonly string[];
  readonly pools: readonly PoolRecord[];
  readonly autopilot: boolean;
  readonly releaseChannel: string;
  readonly masterVersion: string;
  readonly loggingService: string;
  readonly monitoringService: string;
  readonly network: string;
  readonly subnetwork: string;
  /** VPC-native (alias IPs); absent in older state files. */
  readonly useIpAliases?: boolean;
  readonly clusterIpv4Cidr: string;
  readonly servicesIpv4Cidr: string;
  readonly controlPlane: 'kwok' | 'none';
  readonly access?: ControlPlaneAccess;
}

/** What an UPDATE_CLUSTER changes once its work is done; absent fields stay as they are. */
export interface ClusterChanges {
  /** The node pool the pool-level fields apply to. */
  readonly pool?: string;
  /** Set when the update names autoscaling (undefined turns it off). */
  readonly autoscaling?: { value: Autoscaling | undefined };
  readonly nodeVersion?: string;
  readonly imageType?: string;
  readonly masterVersion?: string;
  readonly locations?: readonly string[];
  readonly releaseChannel?: string;
  readonly loggingService?: string;
  readonly monitoringService?: string;
}

/**
 * What an operation does, kept with it so that an emulator restarted while it runs resumes it
 * under the same name (GKE does not abort an operation because its frontend restarted).
 * Pool plans name the pool; the cluster is the operation's.
 */
export type OperationPlan =
  | { readonly kind: 'createCluster' }
  /** `before`: the status the cluster had, which a cancelled delete restores. */
  | { readonly kind: 'deleteCluster'; readonly before: ClusterStatus }
  | { readonly kind: 'updateCluster'; readonly changes: ClusterChanges }
  /** GKE's own operation after a create. */
  | { readonly kind: 'maintenance' }
  | { readonly kind: 'setLabels'; readonly labels: Readonly<Record<string, string>>; readonly fingerprint: string }
  | { readonly kind: 'createNodePool'; readonly pool: string }
  | { readonly kind: 'deleteNodePool'; readonly pool: string }
  | { readonly kind: 'setNodePoolSize'; readonly pool: string; readonly nodeCount: number }
  | {
      readonly kind: 'setNodePoolAutoscaling';
      readonly pool: string;
      readonly nodeCount: number;
      readonly autoscaling?: Autoscaling;
    };

/** Operation.Status values. */
export type OperationStatus = 'PENDING' | 'RUNNING' | 'DONE' | 'ABORTING';

/** A stored long-running operation. */
export interface OperationRecord {
  readonly name: string;
  readonly project: string;
  readonly location: string;
  readonly operationType: string;
  readonly status: OperationStatus;
  readonly detail: string;
  readonly targetLink: string;
  readonly selfLink: string;
  readonly startTime: string;
  readonly endTime?: string;
  /** 0–100 */
  readonly percent: number;
  readonly stage: string;
  readonly error?: Readonly<{ code: number; message: string }>;
  /** `project/location/cluster` of the cluster it works on. */
  readonly clusterId: string;
  /** What it does, for a resume after a restart (absent in state files written before resumes). */
  readonly plan?: OperationPlan;
  /** An injected failure it ends in after its delay, instead of doing the work. */
  readonly fault?: Readonly<{ code: number; message: string }>;
}

/** A load balancer left behind when its cluster was deleted (GKE leaks the forwarding rule too). */
export interface LeakedLoadBalancer {
  /** Forwarding-rule name as GKE makes it: `a` + the Service uid without dashes, 32 chars. */
  readonly forwardingRule: string;
  readonly project: string;
  readonly location: string;
  readonly cluster: string;
  readonly namespace: string;
  /** The Service (or, with `kind: Ingress`, the Ingress) that held the load balancer. */
  readonly service: string;
  readonly kind?: 'Ingress';
  readonly ip?: string;
  readonly leakedAt: string;
}
