/**
 * GKE's rules for the cluster-wide settings platform teams ask for (issue 22): Workload Identity
 * (the project's one pool, GKE_METADATA on the nodes), Shared VPC (a host project's subnetwork
 * needs its secondary ranges named), private nodes and the control plane's endpoints (the
 * DNS-based endpoint, the IP endpoints). Every problem is INVALID_ARGUMENT naming the field.
 */
import crypto from 'node:crypto';
import { regionOf } from '../../gke/rules';
import { subnetworkProject, workloadPoolOf } from '../../gke/cluster-shapes';
import { invalidArgument } from '../errors';
import { isObj } from './validate';
import { projectNumberOf } from './api/service-disabled';
import type { ClusterConfig, PoolRecord } from '../store/store';

type Obj = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** GKE's DNS-based control plane endpoint of a cluster: `gke-<32 hex>-<project number>.<region>.gke.goog`. */
export function dnsEndpointOf(project: string, location: string, cluster: string): string {
  const id = crypto.createHash('sha256').update(`${project}/${location}/${cluster}`).digest('hex').slice(0, 32);
  return `gke-${id}-${projectNumberOf(project)}.${regionOf(location)}.gke.goog`;
}

function checkWorkloadPool(project: string, cluster: Obj): string | undefined {
  const wi = isObj(cluster.workloadIdentityConfig) ? cluster.workloadIdentityConfig : undefined;
  const pool = str(wi?.workloadPool);
  if (!pool) return undefined;
  if (pool !== workloadPoolOf(project))
    throw invalidArgument(
      `cluster.workloadIdentityConfig.workloadPool: Workload Identity Pool "${pool.slice(0, 100)}" is invalid: ` +
        `the only pool a cluster of project ${project} may use is "${workloadPoolOf(project)}".`,
    );
  return pool;
}

function checkSecondaryRanges(project: string, location: string, cluster: Obj, useIpAliases: boolean) {
  const policy = isObj(cluster.ipAllocationPolicy) ? cluster.ipAllocationPolicy : {};
  const pods = str(policy.clusterSecondaryRangeName);
  const services = str(policy.servicesSecondaryRangeName);
  const subnetwork = str(cluster.subnetwork);
  const hostProject = subnetworkProject(subnetwork);
  const subnetRegion = /\/regions\/([^/]+)\//.exec(subnetwork)?.[1];
  const field = 'cluster.ipAllocationPolicy';
  if ((pods || services) && !useIpAliases)
    throw invalidArgument(
      `${field}.useIpAliases: secondary range names need a VPC-native cluster (useIpAliases: true)`,
    );
  if (subnetRegion && subnetRegion !== regionOf(location))
    throw invalidArgument(
      `cluster.subnetwork: subnetwork region ${subnetRegion} does not match the cluster's region ${regionOf(location)}`,
    );
  if (hostProject && hostProject !== project && !(pods && services))
    throw invalidArgument(
      `${field}.${pods ? 'servicesSecondaryRangeName' : 'clusterSecondaryRangeName'}: the subnetwork belongs to host project ${hostProject} (Shared VPC): ` +
        'GKE cannot create secondary ranges in another project, so both clusterSecondaryRangeName and servicesSecondaryRangeName must name existing secondary ranges of the subnetwork',
    );
  if (!pods !== !services)
    throw invalidArgument(
      `${field}: clusterSecondaryRangeName and servicesSecondaryRangeName must be set together (got only ${pods ? 'clusterSecondaryRangeName' : 'servicesSecondaryRangeName'})`,
    );
  return pods ? { clusterSecondaryRangeName: pods, servicesSecondaryRangeName: services } : {};
}

function checkEndpoints(cluster: Obj, useIpAliases: boolean) {
  const pcc = isObj(cluster.privateClusterConfig) ? cluster.privateClusterConfig : {};
  const net = isObj(cluster.networkConfig) ? cluster.networkConfig : {};
  const privateNodes = pcc.enablePrivateNodes === true || net.defaultEnablePrivateNodes === true;
  if (privateNodes && !useIpAliases)
    throw invalidArgument(
      'cluster.privateClusterConfig.enablePrivateNodes: private nodes need a VPC-native cluster (useIpAliases: true)',
    );
  const cpe = isObj(cluster.controlPlaneEndpointsConfig) ? cluster.controlPlaneEndpointsConfig : {};
  const dns = isObj(cpe.dnsEndpointConfig) ? cpe.dnsEndpointConfig : {};
  const ip = isObj(cpe.ipEndpointsConfig) ? cpe.ipEndpointsConfig : {};
  const publicEndpoint = ip.enablePublicEndpoint !== false && pcc.enablePrivateEndpoint !== true;
  if (!publicEndpoint && !privateNodes)
    throw invalidArgument(
      'cluster.controlPlaneEndpointsConfig.ipEndpointsConfig.enablePublicEndpoint: disabling the public endpoint needs private nodes (privateClusterConfig.enablePrivateNodes)',
    );
  return { privateNodes, publicEndpoint, dnsAllowExternalTraffic: dns.allowExternalTraffic === true };
}

/** The cluster-wide settings of a CreateClusterRequest.cluster. */
export function decodeClusterConfig(
  key: { project: string; location: string; cluster: string },
  cluster: Obj,
  useIpAliases: boolean,
): ClusterConfig {
  const workloadPool = checkWorkloadPool(key.project, cluster);
  return {
    ...(workloadPool ? { workloadPool } : {}),
    ...checkSecondaryRanges(key.project, key.location, cluster, useIpAliases),
    ...checkEndpoints(cluster, useIpAliases),
    dnsEndpoint: dnsEndpointOf(key.project, key.location, key.cluster),
  };
}

/**
 * A pool's NodeConfig.workloadMetadataConfig.mode: GKE_METADATA only on a cluster with a
 * Workload Identity pool, where it is also the default (GKE runs its metadata server on the nodes).
 */
export function withMetadataMode(
  pool: PoolRecord,
  raw: unknown,
  workloadPool: string | undefined,
  field: string,
): PoolRecord {
  const config = isObj(raw) && isObj(raw.config) ? raw.config : {};
  const wmc = isObj(config.workloadMetadataConfig) ? config.workloadMetadataConfig : {};
  const asked = str(wmc.mode) === 'MODE_UNSPECIFIED' ? '' : str(wmc.mode);
  if (asked === 'GKE_METADATA' && !workloadPool)
    throw invalidArgument(
      `${field}.config.workloadMetadataConfig.mode: GKE_METADATA requires Workload Identity on the cluster (workloadIdentityConfig.workloadPool)`,
    );
  const mode = asked || (workloadPool ? 'GKE_METADATA' : '');
  return mode === 'GKE_METADATA' || mode === 'GCE_METADATA' ? { ...pool, workloadMetadataMode: mode } : pool;
}
