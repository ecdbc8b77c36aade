/**
 * Decoded request bodies → typed commands. Every problem is INVALID_ARGUMENT naming the field
 * (validate.ts holds GKE's rules); the lifecycle receives only commands that passed.
 */
import { DEFAULT_POOL, RELEASE_CHANNELS } from '../../gke/rules';
import { CONTROL_PLANE_LABEL } from './context';
import { invalidArgument, unimplemented } from '../errors';
import type { ClusterKey } from './names';
import type { Autoscaling, ClusterConfig, ClusterRecord, PoolRecord } from '../store/store';
import { decodeClusterConfig, withMetadataMode } from './cluster-config';
import {
  checkAutoscaling,
  checkName,
  checkNodeCount,
  checkPool,
  checkResourceLabels,
  checkUniquePools,
  clusterLocations,
  DEFAULT_NODE_COUNT,
  isObj,
} from './validate';

/** A CreateClusterRequest that passed validation. */
export interface CreateClusterCommand {
  key: ClusterKey;
  description: string;
  resourceLabels: Record<string, string>;
  locations: string[];
  autopilot: boolean;
  pools: PoolRecord[];
  releaseChannel: string;
  network: string;
  subnetwork: string;
  useIpAliases: boolean;
  /** The control plane the cluster's labels ask for, if any. */
  controlPlane?: 'kwok' | 'none';
  /** Workload Identity, secondary ranges, private nodes, control plane endpoints. */
  config: ClusterConfig;
}

/** Validates CreateClusterRequest.cluster under its parent. */
export function decodeCreateCluster(
  parent: { project: string; location: string },
  cluster: unknown,
): CreateClusterCommand {
  if (parent.location === '-') throw invalidArgument('parent: a cluster needs a location, not -');
  if (!isObj(cluster)) throw invalidArgument('cluster: required');
  const name = checkName(cluster.name, 'cluster.name');
  const resourceLabels = checkResourceLabels(cluster.resourceLabels, 'cluster.resourceLabels');
  const locations = clusterLocations(parent.location, cluster.locations, 'cluster.locations');
  const autopilot = isObj(cluster.autopilot) && cluster.autopilot.enabled === true;
  const useIpAliases = isObj(cluster.ipAllocationPolicy) && cluster.ipAllocationPolicy.useIpAliases === true;
  const config = decodeClusterConfig({ ...parent, cluster: name }, cluster, useIpAliases);
  const rawPools =
    Array.isArray(cluster.nodePools) && cluster.nodePools.length ? cluster.nodePools : [{ config: cluster.nodeConfig }];
  const pools = requestedPools(cluster, locations, autopilot).map((p, i) =>
    withMetadataMode(
      p,
      rawPools[i],
      config.workloadPool,
      rawPools === cluster.nodePools ? `cluster.nodePools[${i}]` : 'cluster.nodeConfig',
    ),
  );
  const cp = resourceLabels[CONTROL_PLANE_LABEL];
  return {
    key: { ...parent, cluster: name },
    description: typeof cluster.description === 'string' ? cluster.description.slice(0, 1000) : '',
    resourceLabels,
    locations,
    autopilot,
    pools,
    releaseChannel: checkChannel(cluster.releaseChannel),
    network: checkNetwork(cluster.network, 'cluster.network', 'networks'),
    subnetwork: checkNetwork(cluster.subnetwork, 'cluster.subnetwork', 'subnetworks'),
    useIpAliases,
    controlPlane: cp === 'none' || cp === 'kwok' ? cp : undefined,
    config,
  };
}

const CHANNELS = new Set<string>(['UNSPECIFIED', ...RELEASE_CHANNELS]);

/** A network or subnetwork: a name or a `projects/P/global/networks/N` (`…/regions/R/subnetworks/S`) path. */
function checkNetwork(v: unknown, field: string, kind: 'networks' | 'subnetworks'): string {
  if (v === undefined || v === null || v === '') return 'default';
  const name = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
  const path =
    kind === 'networks'
      ? /^projects\/[^/]+\/global\/networks\/[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/
      : /^projects\/[^/]+\/regions\/[^/]+\/subnetworks\/[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
  if (typeof v !== 'string' || !(name.test(v) || path.test(v)))
    throw invalidArgument(`${field}: '${String(v).slice(0, 80)}' is not a ${kind.slice(0, -1)} name or path`);
  return v;
}

function checkChannel(v: unknown): string {
  const channel = isObj(v) && typeof v.channel === 'string' && v.channel ? v.channel : 'REGULAR';
  if (!CHANNELS.has(channel))
    throw invalidArgument(`cluster.releaseChannel.channel: unknown channel '${channel.slice(0, 40)}'`);
  return channel === 'UNSPECIFIED' ? 'REGULAR' : channel;
}

function requestedPools(cluster: Record<string, unknown>, locations: string[], autopilot: boolean): PoolRecord[] {
  const given = Array.isArray(cluster.nodePools) ? cluster.nodePools : [];
  const legacyCount = cluster.initialNodeCount;
  if (autopilot) {
    if (given.length)
      throw invalidArgument('cluster.nodePools: Autopilot clusters manage their node pools; leave it empty');
    const pool = checkPool(
      {
        name: DEFAULT_POOL.name,
        initialNodeCount: 1,
        autoscaling: { enabled: true, minNodeCount: 0, maxNodeCount: 1000, autoprovisioned: true },
      },
      'cluster.nodePools[0]',
      locations,
    );
    return [pool];
  }
  if (given.length && (legacyCount || isObj(cluster.nodeConfig)))
    throw invalidArgument('cluster.initialNodeCount/nodeConfig and cluster.nodePools cannot both be set');
  if (given.length > 32) throw invalidArgument(`cluster.nodePools: at most 32 node pools (got ${given.length})`);
  const pools = given.length
    ? given.map((p, i) => checkPool(p, `cluster.nodePools[${i}]`, locations))
    : [
        checkPool(
          { name: DEFAULT_POOL.name, initialNodeCount: legacyCount ?? DEFAULT_NODE_COUNT, config: cluster.nodeConfig },
          'cluster',
          locations,
        ),
      ];
  checkUniquePools(pools, 'cluster.nodePools');
  return pools;
}

/** SetLabelsRequest's body. */
export interface SetLabelsCommand {
  labels: Record<string, string>;
  fingerprint: string;
}

export function decodeSetLabels(labels: unknown, fingerprint: unknown): SetLabelsCommand {
  const next = checkResourceLabels(labels, 'resourceLabels');
  if (typeof fingerprint !== 'string' || !fingerprint)
    throw invalidArgument('labelFingerprint: required (read it from GetCluster)');
  return { labels: next, fingerprint };
}

/** Fields of ClusterUpdate the emulator applies; any other set field is UNIMPLEMENTED. */
const SUPPORTED_UPDATES = new Set([
  'desiredNodePoolId',
  'desiredNodePoolAutoscaling',
  'desiredNodeVersion',
  'desiredMasterVersion',
  'desiredImageType',
  'desiredLocations',
  'desiredReleaseChannel',
  'desiredLoggingService',
  'desiredMonitoringService',
]);
const POOL_FIELDS = ['desiredNodePoolAutoscaling', 'desiredNodeVersion', 'desiredImageType'];

const isSet = (v: unknown) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);

/** The fields a ClusterUpdate sets (first stage of its decoding, before the cluster is looked at). */
export interface UpdateFields {
  update: Record<string, unknown>;
  set: string[];
}

export function decodeUpdateFields(update: unknown): UpdateFields {
  if (!isObj(update)) throw invalidArgument('update: required');
  const set = Object.keys(update).filter((k) => isSet(update[k]));
  const unsupported = set.filter((k) => !SUPPORTED_UPDATES.has(k));
  if (unsupported.length)
    throw unimplemented(
      `update.${unsupported[0]}: not supported by the gkeflow emulator (supported: ${[...SUPPORTED_UPDATES].join(', ')})`,
    );
  if (!set.some((k) => k !== 'desiredNodePoolId')) throw invalidArgument('update: no field to update');
  return { update, set };
}

/** The node pool an update's pool-level fields apply to, if it has any; INVALID_ARGUMENT when it cannot tell. */
export function updateTargetPool(c: ClusterRecord, { update, set }: UpdateFields): string | undefined {
  if (!POOL_FIELDS.some((k) => set.includes(k))) return undefined;
  const poolId =
    typeof update.desiredNodePoolId === 'string' && update.desiredNodePoolId ? update.desiredNodePoolId : undefined;
  if (!poolId && c.pools.length !== 1)
    throw invalidArgument('update.desiredNodePoolId: required when the cluster has more than one node pool');
  const pool = poolId ? c.pools.find((p) => p.name === poolId) : c.pools[0];
  if (!pool) throw invalidArgument(`update.desiredNodePoolId: no node pool '${poolId}'`);
  return pool.name;
}

/** An UpdateClusterRequest that passed validation. */
export interface UpdateClusterCommand {
  /** The node pool the pool-level fields apply to. */
  pool?: string;
  autoscaling?: { value: Autoscaling | undefined };
  locations?: string[];
  nodeVersion: boolean;
  masterVersion: boolean;
  imageType?: string;
  releaseChannel?: string;
  loggingService?: string;
  monitoringService?: string;
}

/** Second stage: the values of the set fields (the cluster's location bounds its zones). */
export function decodeClusterUpdate(
  { update, set }: UpdateFields,
  location: string,
  pool: string | undefined,
): UpdateClusterCommand {
  const autoscaling = set.includes('desiredNodePoolAutoscaling')
    ? { value: checkAutoscaling(update.desiredNodePoolAutoscaling, 'update.desiredNodePoolAutoscaling') }
    : undefined;
  const locations = set.includes('desiredLocations')
    ? clusterLocations(location, update.desiredLocations, 'update.desiredLocations')
    : undefined;
  for (const k of ['desiredMasterVersion', 'desiredNodeVersion'] as const) {
    const v = update[k];
    if (isSet(v) && (typeof v !== 'string' || !/^(latest|-|1\.\d+(\.\d+(-gke\.\d+)?)?)$/.test(v)))
      throw invalidArgument(`update.${k}: unknown version '${String(v)}'`);
  }
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const channel = update.desiredReleaseChannel;
  return {
    pool,
    autoscaling,
    locations,
    nodeVersion: isSet(update.desiredNodeVersion),
    masterVersion: isSet(update.desiredMasterVersion),
    imageType: str(update.desiredImageType),
    releaseChannel: isObj(channel) && typeof channel.channel === 'string' ? channel.channel : undefined,
    loggingService: str(update.desiredLoggingService),
    monitoringService: str(update.desiredMonitoringService),
  };
}

/** CreateNodePoolRequest.node_pool, in a cluster whose nodes run in `locations` (and whose Workload Identity pool is `workloadPool`). */
export const decodeNodePool = (nodePool: unknown, locations: readonly string[], workloadPool?: string): PoolRecord =>
  withMetadataMode(checkPool(nodePool, 'nodePool', locations), nodePool, workloadPool, 'nodePool');

/** SetNodePoolSizeRequest.node_count. */
export const decodeNodeCount = (n: unknown): number => checkNodeCount(n, 'nodeCount');

/** SetNodePoolAutoscalingRequest.autoscaling; undefined turns autoscaling off. */
export const decodeAutoscaling = (a: unknown): Autoscaling | undefined => checkAutoscaling(a, 'autoscaling');
