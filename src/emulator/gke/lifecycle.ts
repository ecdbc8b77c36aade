/**
 * Cluster lifecycle with GKE's semantics: create (PROVISIONING → RUNNING), delete (STOPPING →
 * gone, leaking any LoadBalancer left), update (RECONCILING), labels with fingerprints. Each
 * change is a long-running operation; the control plane work happens inside it. Requests arrive
 * as validated commands (commands.ts); state changes go through the store's transitions.
 */
import crypto from 'node:crypto';
import type { CreateClusterCommand, SetLabelsCommand, UpdateClusterCommand } from './commands';
import { lbTimings, scaled } from '../settings';
import { assertChangeable, runtimeOf, type Core } from './context';
import { labelFingerprint } from './fingerprint';
import { assertQuota, poolDemand, totalDemand } from './quota';
import { alreadyExists, failedPrecondition } from '../errors';
import type { Fault } from '../faults';
import type { OperationSpec } from './operations';
import { clusterPath, type ClusterKey } from './names';
import type { ClusterRecord, OperationPlan, OperationRecord } from '../store/store';
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
    ...cmd.config,
  };
  core.store.beginCreate(rec);
  return core.ops.start(clusterOperation(core, key, { kind: 'createCluster' }, fault));
}

/** GKE's own post-create operation: the cluster is RECONCILING and changes are refused until it ends. */
function startAutoOperation(core: Core, key: ClusterKey): void {
  const rec = core.store.findCluster(key);
  if (!rec || rec.status !== 'RUNNING' || core.ops.runningOn(key)) return;
  core.store.beginReconcile(key);
  core.ops.start(clusterOperation(core, key, { kind: 'maintenance' }));
}

/** Starts deleting a cluster: STOPPING, control plane removed, leaked LoadBalancers recorded, record gone. */
export function deleteCluster(core: Core, key: ClusterKey, fault?: Fault): OperationRecord {
  core.store.cluster(key); // NOT_FOUND
  core.ops.assertIdle(key);
  const before = core.store.beginDelete(key);
  return core.ops.start(clusterOperation(core, key, { kind: 'deleteCluster', before }, fault));
}

/** Applies a ClusterUpdate (the fields gkeflow and its users change) as an UPDATE_CLUSTER operation. */
export function updateCluster(core: Core, key: ClusterKey, cmd: UpdateClusterCommand, fault?: Fault): OperationRecord {
  const rec = core.store.cluster(key);
  assertChangeable(core, rec);
  const { locations } = cmd;
  if (locations)
    assertQuota(
      core,
      key,
      totalDemand(
        rec.pools.map((p) => poolDemand({ ...p, locations: locations.slice(rec.locations.length) }, p.nodeCount)),
      ),
    );
  core.store.beginReconcile(key);
  const changes = {
    pool: cmd.pool,
    autoscaling: cmd.autoscaling,
    nodeVersion: cmd.nodeVersion ? KUBE_VERSION : undefined,
    imageType: cmd.imageType,
    masterVersion: cmd.masterVersion ? KUBE_VERSION : undefined,
    locations,
    releaseChannel: cmd.releaseChannel,
    loggingService: cmd.loggingService,
    monitoringService: cmd.monitoringService,
  };
  return core.ops.start(clusterOperation(core, key, { kind: 'updateCluster', changes }, fault));
}

/** SetLabels: the fingerprint must match the current one (optimistic concurrency), as on GKE. */
export function setLabels(core: Core, key: ClusterKey, cmd: SetLabelsCommand, fault?: Fault): OperationRecord {
  const rec = core.store.cluster(key);
  if (cmd.fingerprint !== rec.labelFingerprint)
    throw failedPrecondition(
      `Labels could not be set due to fingerprint mismatch: expected ${rec.labelFingerprint}, got ${cmd.fingerprint}.`,
    );
  assertChangeable(core, rec);
  const plan = { kind: 'setLabels', labels: cmd.labels, fingerprint: labelFingerprint(cmd.labels) } as const;
  return core.ops.start(clusterOperation(core, key, plan, fault));
}

type ClusterPlan = Exclude<OperationPlan, { pool: string }>;

/**
 * The operation that carries out a cluster plan: its work, and the state changes when it ends.
 * Used when the operation starts and again when a restarted emulator resumes it, so the work
 * reads the cluster as it is now and is idempotent.
 */
export function clusterOperation(
  core: Core,
  key: ClusterKey,
  plan: ClusterPlan,
  fault?: OperationSpec['fault'],
): OperationSpec {
  const on = { cluster: key, target: clusterPath(key), plan, fault };
  switch (plan.kind) {
    case 'createCluster':
      return {
        ...on,
        type: 'CREATE_CLUSTER',
        delay: 'createCluster',
        work: async (ctx) => {
          ctx.progress(10, 'CLUSTER_DEPLOYING');
          const rec = core.store.cluster(key);
          // Resumed after a restart with its control plane already up (restarted on start): keep it.
          if (!rec.access)
            core.store.recordAccess(key, await runtimeOf(core, rec).create(rec, lbTimings(core.settings)));
          ctx.progress(90, 'CLUSTER_HEALTHCHECKING');
        },
        onDone: () => {
          core.store.markRunning(key);
          const access = core.store.findCluster(key)?.access;
          const where = access?.endpoint ? ` at ${access.endpoint}` : '';
          core.log(`cluster ${clusterPath(key)} is RUNNING (${core.store.findCluster(key)?.controlPlane}${where})`);
          // Once the create operation is off the books, GKE may start one of its own.
          if (scaled(core.settings, 'autoOperationAfterCreate') > 0) setTimeout(() => startAutoOperation(core, key), 0);
        },
        onError: (err) => core.store.failCreate(key, err.message),
      };
    case 'maintenance':
      return {
        ...on,
        type: 'UPDATE_CLUSTER',
        delay: 'autoOperationAfterCreate',
        detail: 'GKE-initiated maintenance after cluster creation',
        work: () => Promise.resolve(),
        onDone: () => core.store.endReconcile(key),
        onError: () => core.store.endReconcile(key),
      };
    case 'deleteCluster':
      return {
        ...on,
        type: 'DELETE_CLUSTER',
        delay: 'deleteCluster',
        work: async (ctx) => {
          ctx.progress(20, 'CLUSTER_DELETING');
          const rec = core.store.cluster(key);
          const leaks = await runtimeOf(core, rec).delete(rec);
          if (leaks.length)
            core.log(
              `cluster ${clusterPath(key)} deleted with ${leaks.length} LoadBalancer(s) left: leaked ${leaks.map((l) => `${l.namespace}/${l.service}`).join(', ')}`,
            );
          core.store.recordLeaks(leaks);
        },
        onDone: () => core.store.finishDelete(key),
        // Cancelled after the control plane was already gone: the cluster is gone too.
        onError: (_err, workDone) =>
          workDone ? core.store.finishDelete(key) : core.store.abortDelete(key, plan.before),
      };
    case 'updateCluster':
      return {
        ...on,
        type: 'UPDATE_CLUSTER',
        delay: 'updateCluster',
        work: async () => {
          const { locations } = plan.changes;
          const rec = core.store.cluster(key);
          if (locations) for (const p of rec.pools) await runtimeOf(core, rec).syncPool(rec, { ...p, locations });
        },
        onDone: () => core.store.applyUpdate(key, plan.changes),
        onError: () => core.store.endReconcile(key),
      };
    case 'setLabels':
      return {
        ...on,
        type: 'SET_LABELS',
        delay: 'setLabels',
        work: () => Promise.resolve(),
        onDone: () => core.store.setLabels(key, plan.labels, plan.fingerprint),
      };
  }
}
