/**
 * Cluster lifecycle with GKE's semantics: create (PROVISIONING → RUNNING), delete (STOPPING →
 * gone, leaking any LoadBalancer left), update (RECONCILING), labels with fingerprints. Each
 * change is a long-running operation; the control plane work happens inside it.
 */
import crypto from 'node:crypto';
import { scaled } from './config';
import type { Fault } from './faults';
import { alreadyExists, failedPrecondition, invalidArgument, unimplemented } from './errors';
import { assertChangeable, assertQuota, CONTROL_PLANE_LABEL, labelFingerprint, lbTimings, runtimeOf, type Core } from './core';
import { clusterPath, type ClusterKey } from './names';
import type { ClusterRecord, OperationRecord, PoolRecord } from './store';
import { checkAutoscaling, checkName, checkPool, checkResourceLabels, checkUniquePools, clusterLocations, DEFAULT_NODE_COUNT, isObj, KUBE_VERSION } from './validate';

/** Validates a CreateClusterRequest.cluster and starts creating it. */
export function createCluster(core: Core, parent: { project: string; location: string }, cluster: unknown, fault?: Fault): OperationRecord {
  if (parent.location === '-') throw invalidArgument('parent: a cluster needs a location, not -');
  if (!isObj(cluster)) throw invalidArgument('cluster: required');
  const name = checkName(cluster.name, 'cluster.name');
  const key: ClusterKey = { ...parent, cluster: name };
  const resourceLabels = checkResourceLabels(cluster.resourceLabels, 'cluster.resourceLabels');
  const locations = clusterLocations(parent.location, cluster.locations, 'cluster.locations');
  const autopilot = isObj(cluster.autopilot) && cluster.autopilot.enabled === true;
  const pools = requestedPools(cluster, locations, autopilot);
  if (core.store.findCluster(key)) throw alreadyExists(`Already exists: ${clusterPath(key)}.`);
  assertQuota(core, parent.project, { clusters: 1, nodes: pools.reduce((n, p) => n + p.nodeCount * p.locations.length, 0) });
  const cp = resourceLabels[CONTROL_PLANE_LABEL];
  const rec: ClusterRecord = {
    ...key,
    id: crypto.randomBytes(16).toString('hex'),
    description: typeof cluster.description === 'string' ? cluster.description.slice(0, 1000) : '',
    createTime: new Date().toISOString(),
    status: 'PROVISIONING',
    statusMessage: '',
    resourceLabels,
    labelFingerprint: labelFingerprint(resourceLabels),
    locations,
    pools,
    autopilot,
    releaseChannel: isObj(cluster.releaseChannel) && typeof cluster.releaseChannel.channel === 'string' ? cluster.releaseChannel.channel : 'REGULAR',
    masterVersion: KUBE_VERSION,
    loggingService: 'logging.googleapis.com/kubernetes',
    monitoringService: 'monitoring.googleapis.com/kubernetes',
    network: typeof cluster.network === 'string' && cluster.network ? cluster.network : 'default',
    subnetwork: typeof cluster.subnetwork === 'string' && cluster.subnetwork ? cluster.subnetwork : 'default',
    clusterIpv4Cidr: '10.4.0.0/14',
    servicesIpv4Cidr: '10.8.0.0/20',
    controlPlane: cp === 'none' || cp === 'kwok' ? cp : core.settings.controlPlane,
  };
  core.store.putCluster(rec);
  return core.ops.start({
    cluster: key,
    type: 'CREATE_CLUSTER',
    target: clusterPath(key),
    delay: 'createCluster',
    fault,
    work: async (ctx) => {
      ctx.progress(10, 'CLUSTER_DEPLOYING');
      rec.access = await runtimeOf(core, rec).create(rec, lbTimings(core));
      ctx.progress(90, 'CLUSTER_HEALTHCHECKING');
    },
    onDone: () => {
      rec.status = 'RUNNING';
      for (const p of rec.pools) p.status = 'RUNNING';
      core.log(`cluster ${clusterPath(key)} is RUNNING (${rec.controlPlane}${rec.access?.endpoint ? ` at ${rec.access.endpoint}` : ''})`);
      // Once the create operation is off the books, GKE may start one of its own.
      if (scaled(core.settings, 'autoOperationAfterCreate') > 0) setTimeout(() => startAutoOperation(core, key), 0);
    },
    onError: (err) => {
      rec.status = 'ERROR';
      rec.statusMessage = err.message;
      for (const p of rec.pools) p.status = 'ERROR';
    },
  });
}

function requestedPools(cluster: Record<string, unknown>, locations: string[], autopilot: boolean): PoolRecord[] {
  const given = Array.isArray(cluster.nodePools) ? cluster.nodePools : [];
  const legacyCount = cluster.initialNodeCount;
  if (autopilot) {
    if (given.length) throw invalidArgument('cluster.nodePools: Autopilot clusters manage their node pools; leave it empty');
    const pool = checkPool({ name: 'default-pool', initialNodeCount: 1, autoscaling: { enabled: true, minNodeCount: 0, maxNodeCount: 1000, autoprovisioned: true } }, 'cluster.nodePools[0]', locations);
    return [pool];
  }
  if (given.length && (legacyCount || isObj(cluster.nodeConfig))) throw invalidArgument('cluster.initialNodeCount/nodeConfig and cluster.nodePools cannot both be set');
  if (given.length > 32) throw invalidArgument(`cluster.nodePools: at most 32 node pools (got ${given.length})`);
  const pools = given.length
    ? given.map((p, i) => checkPool(p, `cluster.nodePools[${i}]`, locations))
    : [checkPool({ name: 'default-pool', initialNodeCount: legacyCount ?? DEFAULT_NODE_COUNT, config: cluster.nodeConfig }, 'cluster', locations)];
  checkUniquePools(pools, 'cluster.nodePools');
  return pools;
}

/** GKE's own post-create operation: the cluster is RECONCILING and changes are refused until it ends. */
function startAutoOperation(core: Core, key: ClusterKey): void {
  const rec = core.store.findCluster(key);
  if (!rec || rec.status !== 'RUNNING' || core.ops.runningOn(key)) return;
  rec.status = 'RECONCILING';
  core.ops.start({
    cluster: key,
    type: 'UPDATE_CLUSTER',
    target: clusterPath(key),
    delay: 'autoOperationAfterCreate',
    detail: 'GKE-initiated maintenance after cluster creation',
    work: () => Promise.resolve(),
    onDone: () => (rec.status = 'RUNNING'),
    onError: () => (rec.status = 'RUNNING'),
  });
}

/** Starts deleting a cluster: STOPPING, control plane removed, leaked LoadBalancers recorded, record gone. */
export function deleteCluster(core: Core, key: ClusterKey, fault?: Fault): OperationRecord {
  const rec = core.store.cluster(key);
  core.ops.assertIdle(key);
  const before = rec.status;
  rec.status = 'STOPPING';
  core.store.save();
  return core.ops.start({
    cluster: key,
    type: 'DELETE_CLUSTER',
    target: clusterPath(key),
    delay: 'deleteCluster',
    fault,
    work: async (ctx) => {
      ctx.progress(20, 'CLUSTER_DELETING');
      const leaks = await runtimeOf(core, rec).delete(rec);
      if (leaks.length) core.log(`cluster ${clusterPath(key)} deleted with ${leaks.length} LoadBalancer(s) left: leaked ${leaks.map((l) => `${l.namespace}/${l.service}`).join(', ')}`);
      core.store.leaks.push(...leaks);
    },
    onDone: () => core.store.removeCluster(key),
    onError: (_err, workDone) => {
      // Cancelled after the control plane was already gone: the cluster is gone too.
      if (workDone) core.store.removeCluster(key);
      else rec.status = before === 'ERROR' ? 'ERROR' : 'RUNNING';
      core.store.save();
    },
  });
}

/** Fields of ClusterUpdate the emulator applies; any other set field is UNIMPLEMENTED. */
const SUPPORTED_UPDATES = new Set(['desiredNodePoolId', 'desiredNodePoolAutoscaling', 'desiredNodeVersion', 'desiredMasterVersion', 'desiredImageType', 'desiredLocations', 'desiredReleaseChannel', 'desiredLoggingService', 'desiredMonitoringService']);

const isSet = (v: unknown) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);

/** Applies a ClusterUpdate (the fields gkeflow and its users change) as an UPDATE_CLUSTER operation. */
export function updateCluster(core: Core, key: ClusterKey, update: unknown, fault?: Fault): OperationRecord {
  if (!isObj(update)) throw invalidArgument('update: required');
  const set = Object.keys(update).filter((k) => isSet(update[k]));
  const unsupported = set.filter((k) => !SUPPORTED_UPDATES.has(k));
  if (unsupported.length) throw unimplemented(`update.${unsupported[0]}: not supported by the gkeflow emulator (supported: ${[...SUPPORTED_UPDATES].join(', ')})`);
  if (!set.some((k) => k !== 'desiredNodePoolId')) throw invalidArgument('update: no field to update');
  const rec = core.store.cluster(key);
  assertChangeable(core, rec);
  const poolId = typeof update.desiredNodePoolId === 'string' && update.desiredNodePoolId ? update.desiredNodePoolId : undefined;
  const needsPool = ['desiredNodePoolAutoscaling', 'desiredNodeVersion', 'desiredImageType'].some((k) => set.includes(k));
  let pool: PoolRecord | undefined;
  if (needsPool) {
    if (!poolId && rec.pools.length !== 1) throw invalidArgument('update.desiredNodePoolId: required when the cluster has more than one node pool');
    pool = poolId ? rec.pools.find((p) => p.name === poolId) : rec.pools[0];
    if (!pool) throw invalidArgument(`update.desiredNodePoolId: no node pool '${poolId}'`);
  }
  const autoscaling = set.includes('desiredNodePoolAutoscaling') ? checkAutoscaling(update.desiredNodePoolAutoscaling, 'update.desiredNodePoolAutoscaling') : undefined;
  const locations = set.includes('desiredLocations') ? clusterLocations(key.location, update.desiredLocations, 'update.desiredLocations') : undefined;
  for (const k of ['desiredMasterVersion', 'desiredNodeVersion'] as const) {
    const v = update[k];
    if (isSet(v) && (typeof v !== 'string' || !/^(latest|-|1\.\d+(\.\d+(-gke\.\d+)?)?)$/.test(v))) throw invalidArgument(`update.${k}: unknown version '${String(v)}'`);
  }
  const applyPools = locations ? rec.pools.map((p) => ({ ...p, locations })) : [];
  if (locations) assertQuota(core, key.project, { nodes: applyPools.reduce((n, p) => n + p.nodeCount * (locations.length - rec.locations.length), 0) });
  rec.status = 'RECONCILING';
  core.store.save();
  return core.ops.start({
    cluster: key,
    type: 'UPDATE_CLUSTER',
    target: clusterPath(key),
    delay: 'updateCluster',
    fault,
    work: async () => {
      for (const p of applyPools) await runtimeOf(core, rec).syncPool(rec, p);
    },
    onDone: () => {
      if (pool && set.includes('desiredNodePoolAutoscaling')) pool.autoscaling = autoscaling;
      if (pool && isSet(update.desiredNodeVersion)) pool.version = KUBE_VERSION;
      if (pool && typeof update.desiredImageType === 'string' && update.desiredImageType) pool.imageType = update.desiredImageType;
      if (isSet(update.desiredMasterVersion)) rec.masterVersion = KUBE_VERSION;
      if (locations) {
        rec.locations = locations;
        for (const p of rec.pools) p.locations = locations;
      }
      if (isObj(update.desiredReleaseChannel) && typeof update.desiredReleaseChannel.channel === 'string') rec.releaseChannel = update.desiredReleaseChannel.channel;
      if (typeof update.desiredLoggingService === 'string' && update.desiredLoggingService) rec.loggingService = update.desiredLoggingService;
      if (typeof update.desiredMonitoringService === 'string' && update.desiredMonitoringService) rec.monitoringService = update.desiredMonitoringService;
      rec.status = 'RUNNING';
    },
    onError: () => (rec.status = 'RUNNING'),
  });
}

/** SetLabels: the fingerprint must match the current one (optimistic concurrency), as on GKE. */
export function setLabels(core: Core, key: ClusterKey, labels: unknown, fingerprint: unknown, fault?: Fault): OperationRecord {
  const next = checkResourceLabels(labels, 'resourceLabels');
  if (typeof fingerprint !== 'string' || !fingerprint) throw invalidArgument('labelFingerprint: required (read it from GetCluster)');
  const rec = core.store.cluster(key);
  if (fingerprint !== rec.labelFingerprint) throw failedPrecondition(`Labels could not be set due to fingerprint mismatch: expected ${rec.labelFingerprint}, got ${fingerprint}.`);
  assertChangeable(core, rec);
  return core.ops.start({
    cluster: key,
    type: 'SET_LABELS',
    target: clusterPath(key),
    delay: 'setLabels',
    fault,
    work: () => Promise.resolve(),
    onDone: () => {
      rec.resourceLabels = next;
      rec.labelFingerprint = labelFingerprint(next);
    },
  });
}
