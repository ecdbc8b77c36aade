/**
 * The implemented ClusterManager RPCs: each parses its names, decodes its body into a command
 * (commands.ts), calls the lifecycle or reads the store, and shapes the answer. Errors are
 * ApiErrors, turned into call statuses by the edge (index.ts).
 */
import { assertChangeable, type Core } from '../context';
import type { Fault } from '../../faults';
import { createCluster, deleteCluster, setLabels, updateCluster } from '../lifecycle';
import {
  assertLocationExists,
  parseClusterName,
  parseOperationName,
  parseParent,
  parsePoolName,
  type LegacyFields,
} from '../names';
import { createNodePool, deleteNodePool, findPool, setNodePoolAutoscaling, setNodePoolSize } from '../pools';
import {
  decodeAutoscaling,
  decodeClusterUpdate,
  decodeCreateCluster,
  decodeNodeCount,
  decodeNodePool,
  decodeSetLabels,
  decodeUpdateFields,
  updateTargetPool,
} from '../commands';
import { serverConfig, toCluster, toNodePool, toOperation } from './resources';
import { locationName } from '../../../gke/resource-names';

/** A decoded request message (camelCase fields, absent ones undefined). */
export type Request = Record<string, unknown> & LegacyFields;
/** One RPC: request in, response message out (or an ApiError thrown). */
export type Handler = (core: Core, req: Request, fault?: Fault) => unknown;

/** The implemented RPCs by proto name; the rest answer UNIMPLEMENTED. */
export const handlers: Record<string, Handler> = {
  ListClusters: (core, req) => {
    const p = parseParent(req.parent, req);
    const clusters = core.store.listClusters(p.project, p.location).map((c) => toCluster(c, core.settings));
    return { clusters, missingZones: [] };
  },
  GetCluster: (core, req) => toCluster(core.store.cluster(parseClusterName(req.name, req)), core.settings),
  CreateCluster: (core, req, fault) => {
    const parent = parseParent(req.parent, req);
    if (parent.location !== '-') assertLocationExists(parent.location);
    return toOperation(createCluster(core, decodeCreateCluster(parent, req.cluster), fault));
  },
  DeleteCluster: (core, req, fault) => toOperation(deleteCluster(core, parseClusterName(req.name, req), fault)),
  UpdateCluster: (core, req, fault) => {
    const key = parseClusterName(req.name, req);
    const fields = decodeUpdateFields(req.update);
    // The cluster is looked at before the field values, as GKE answers NOT_FOUND or
    // FAILED_PRECONDITION first.
    const c = core.store.cluster(key);
    assertChangeable(core, c);
    const cmd = decodeClusterUpdate(fields, key.location, updateTargetPool(c, fields));
    return toOperation(updateCluster(core, key, cmd, fault));
  },
  SetLabels: (core, req, fault) => {
    const key = parseClusterName(req.name, req);
    return toOperation(setLabels(core, key, decodeSetLabels(req.resourceLabels, req.labelFingerprint), fault));
  },

  GetOperation: (core, req) => {
    const k = parseOperationName(req.name, req);
    return toOperation(core.store.operation(k.project, k.location, k.operation));
  },
  ListOperations: (core, req) => {
    const p = parseParent(req.parent, req);
    return { operations: core.store.listOperations(p.project, p.location).map(toOperation), missingZones: [] };
  },
  CancelOperation: (core, req) => {
    const k = parseOperationName(req.name, req);
    core.ops.cancel(core.store.operation(k.project, k.location, k.operation));
    return {};
  },

  CreateNodePool: (core, req, fault) => {
    const key = parseClusterName(req.parent, req, 'parent');
    const c = core.store.cluster(key);
    const pool = decodeNodePool(req.nodePool, c.locations, c.workloadPool);
    return toOperation(createNodePool(core, key, pool, fault));
  },
  DeleteNodePool: (core, req, fault) => toOperation(deleteNodePool(core, parsePoolName(req.name, req), fault)),
  GetNodePool: (core, req) => {
    const k = parsePoolName(req.name, req);
    const c = core.store.cluster(k);
    return toNodePool(c, findPool(c, k));
  },
  ListNodePools: (core, req) => {
    const c = core.store.cluster(parseClusterName(req.parent, req, 'parent'));
    return { nodePools: c.pools.map((p) => toNodePool(c, p)) };
  },
  SetNodePoolSize: (core, req, fault) => {
    const k = parsePoolName(req.name, req);
    return toOperation(setNodePoolSize(core, k, decodeNodeCount(req.nodeCount), fault));
  },
  SetNodePoolAutoscaling: (core, req, fault) => {
    const k = parsePoolName(req.name, req);
    return toOperation(setNodePoolAutoscaling(core, k, decodeAutoscaling(req.autoscaling), fault));
  },

  GetServerConfig: (_core, req) => {
    const legacy = req.projectId ? { ...req, name: locationName(req.projectId, String(req.zone)) } : req;
    const { location } = parseParent(legacy.name, {}, 'name');
    assertLocationExists(location);
    return serverConfig();
  },
};

/** The resource a request names (`name`, else `parent`; the v1beta-style project/zone fields as a name), for resource-scoped faults. */
export function targetResource(req: Request): string {
  if (typeof req.name === 'string' && req.name) return req.name;
  if (typeof req.parent === 'string' && req.parent) return req.parent;
  if (typeof req.projectId === 'string' && req.projectId)
    return `projects/${req.projectId}${typeof req.zone === 'string' && req.zone ? `/locations/${req.zone}` : ''}`;
  return '';
}

/** Resource labels of the cluster a request targets (for label-scoped faults), if it can tell. */
export function targetLabels(core: Core, rpc: string, req: Request): Record<string, string> | undefined {
  try {
    if (rpc === 'CreateCluster') {
      const c = req.cluster as { resourceLabels?: Record<string, string> } | undefined;
      return c?.resourceLabels;
    }
    const name = typeof req.name === 'string' && req.name ? req.name : typeof req.parent === 'string' ? req.parent : '';
    const m = /^(projects\/[^/]+\/locations\/[^/]+\/clusters\/[^/]+)/.exec(name);
    if (m) return core.store.findCluster(parseClusterName(m[1], {}))?.resourceLabels;
    if (req.projectId && req.clusterId) return core.store.findCluster(parseClusterName('', req))?.resourceLabels;
  } catch {
    /* unparseable: the handler will say why */
  }
  return undefined;
}
