/**
 * Cluster lifecycle with GKE's semantics: create (PROVISIONING → RUNNING), delete (STOPPING →
 * gone, leaking any LoadBalancer left), update (RECONCILING), labels with fingerprints. Each
 * change is a long-running operation; the control plane work happens inside it. Requests arrive
 * as validated commands (api/commands.ts); state changes go through the store's transitions.
 */
import crypto from 'node:crypto';
import type { CreateClusterCommand, SetLabelsCommand, UpdateClusterCommand } from './api/commands';
import { scaled } from './config';
import {
  assertChangeable,
  assertQuota,
  labelFingerprint,
  lbTimings,
  poolDemand,
  runtimeOf,
  totalDemand,
  type Core,
} from './core';
import { alreadyExists, failedPrecondition } from './errors';
import type { Fault } from './faults';
import { clusterPath, type ClusterKey } from './names';
import type { ClusterRecord, OperationRecord } from './store';
import { KUBE_VERSION } from './validate';

/** Starts creating a cluster. */
export function createCluster(core: Core, cmd: CreateClusterCommand, fault?: Fault): OperationRecord {
  const { key, pools } = cmd;
  if (core.store.findCluster(key)) throw alreadyExists(`Already exists: ${clusterPath(key)}.`);
  assertQuota(core, key, totalDemand([{ clusters: 1 }, ...pools.map((p) => poolDemand(p))]));
  const rec: ClusterRecord = {
    ...key,
    id: crypto.randomBytes(16).toString('hex'),
    description: cmd.description,
    createTime: new Date().toISOString(),
    status: 'PROVISIONING',
    statusMessage: '',
    resourceLabels: cmd.resourceLabels,
    labelFingerprint: labelFingerprint(cmd.resourceLabels),
    locations: cmd.locations,
    pools,
    autopilot: cmd.autopilot,
    releaseChannel: cmd.releaseChannel,
    masterVersion: KUBE_VERSION,
    loggingService: 'logging.googleapis.com/kubernetes',
    monitoringService: 'monitoring.googleapis.com/kubernetes',
    network: cmd.network,
    subnetwork: cmd.subnetwork,
    useIpAliases: cmd.useIpAliases,
    clusterIpv4Cidr: '10.4.0.0/14',
    servicesIpv4Cidr: '10.8.0.0/20',
    controlPlane: cmd.controlPlane ?? core.settings.controlPlane,
  };
  core.store.beginCreate(rec);
  return core.ops.start({
    cluster: key,
    type: 'CREATE_CLUSTER',
    target: clusterPath(key),
    delay: 'createCluster',
    fault,
    work: async (ctx) => {
      ctx.progress(10, 'CLUSTER_DEPLOYING');
      core.store.recordAccess(key, await runtimeOf(core, rec).create(rec, lbTimings(core)));
      ctx.progress(90, 'CLUSTER_HEALTHCHECKING');
    },
    onDone: () => {
      core.store.markRunning(key);
      core.log(
        `cluster ${clusterPath(key)} is RUNNING (${rec.controlPlane}${rec.access?.endpoint ? ` at ${rec.access.endpoint}` : ''})`,
      );
      // Once the create operation is off the books, GKE may start one of its own.
      if (scaled(core.settings, 'autoOperationAfterCreate') > 0) setTimeout(() => startAutoOperation(core, key), 0);
    },
    onError: (err) => core.store.failCreate(key, err.message),
  });
}

/** GKE's own post-create operation: the cluster is RECONCILING and changes are refused until it ends. */
function startAutoOperation(core: Core, key: ClusterKey): void {
  const rec = core.store.findCluster(key);
  if (!rec || rec.status !== 'RUNNING' || core.ops.runningOn(key)) return;
  core.store.beginReconcile(key);
  core.ops.start({
    cluster: key,
    type: 'UPDATE_CLUSTER',
    target: clusterPath(key),
    delay: 'autoOperationAfterCreate',
    detail: 'GKE-initiated maintenance after cluster creation',
    work: () => Promise.resolve(),
    onDone: () => core.store.endReconcile(key),
    onError: () => core.store.endReconcile(key),
  });
}

/** Starts deleting a cluster: STOPPING, control plane removed, leaked LoadBalancers recorded, record gone. */
export function deleteCluster(core: Core, key: ClusterKey, fault?: Fault): OperationRecord {
  const rec = core.store.cluster(key);
  core.ops.assertIdle(key);
  const before = core.store.beginDelete(key);
  return core.ops.start({
    cluster: key,
    type: 'DELETE_CLUSTER',
    target: clusterPath(key),
    delay: 'deleteCluster',
    fault,
    work: async (ctx) => {
      ctx.progress(20, 'CLUSTER_DELETING');
      const leaks = await runtimeOf(core, rec).delete(rec);
      if (leaks.length)
        core.log(
          `cluster ${clusterPath(key)} deleted with ${leaks.length} LoadBalancer(s) left: leaked ${leaks.map((l) => `${l.namespace}/${l.service}`).join(', ')}`,
        );
      core.store.recordLeaks(leaks);
    },
    onDone: () => core.store.finishDelete(key),
    // Cancelled after the control plane was already gone: the cluster is gone too.
    onError: (_err, workDone) => (workDone ? core.store.finishDelete(key) : core.store.abortDelete(key, before)),
  });
}

/** Applies a ClusterUpdate (the fields gkeflow and its users change) as an UPDATE_CLUSTER operation. */
export function updateCluster(core: Core, key: ClusterKey, cmd: UpdateClusterCommand, fault?: Fault): OperationRecord {
  const rec = core.store.cluster(key);
  assertChangeable(core, rec);
  const { locations } = cmd;
  const applyPools = locations ? rec.pools.map((p) => ({ ...p, locations })) : [];
  if (locations)
    assertQuota(
      core,
      key,
      totalDemand(
        rec.pools.map((p) => poolDemand({ ...p, locations: locations.slice(rec.locations.length) }, p.nodeCount)),
      ),
    );
  core.store.beginReconcile(key);
  return core.ops.start({
    cluster: key,
    type: 'UPDATE_CLUSTER',
    target: clusterPath(key),
    delay: 'updateCluster',
    fault,
    work: async () => {
      for (const p of applyPools) await runtimeOf(core, rec).syncPool(rec, p);
    },
    onDone: () =>
      core.store.applyUpdate(key, {
        pool: cmd.pool,
        autoscaling: cmd.autoscaling,
        nodeVersion: cmd.nodeVersion ? KUBE_VERSION : undefined,
        imageType: cmd.imageType,
        masterVersion: cmd.masterVersion ? KUBE_VERSION : undefined,
        locations,
        releaseChannel: cmd.releaseChannel,
        loggingService: cmd.loggingService,
        monitoringService: cmd.monitoringService,
      }),
    onError: () => core.store.endReconcile(key),
  });
}

/** SetLabels: the fingerprint must match the current one (optimistic concurrency), as on GKE. */
export function setLabels(core: Core, key: ClusterKey, cmd: SetLabelsCommand, fault?: Fault): OperationRecord {
  const rec = core.store.cluster(key);
  if (cmd.fingerprint !== rec.labelFingerprint)
    throw failedPrecondition(
      `Labels could not be set due to fingerprint mismatch: expected ${rec.labelFingerprint}, got ${cmd.fingerprint}.`,
    );
  assertChangeable(core, rec);
  return core.ops.start({
    cluster: key,
    type: 'SET_LABELS',
    target: clusterPath(key),
    delay: 'setLabels',
    fault,
    work: () => Promise.resolve(),
    onDone: () => core.store.setLabels(key, cmd.labels, labelFingerprint(cmd.labels)),
  });
}
