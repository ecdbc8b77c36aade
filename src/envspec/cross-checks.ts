/**
 * Rules that relate spec fields to each other (duplicates, references, min ≤ max, autopilot).
 * They run on the raw document even when the schema found problems, so one pass reports every
 * problem; hence the defensive accessors instead of the typed spec.
 */
import { DEFAULT_POOL, isLocation, perZoneText, regionOf } from '../gke/rules';
import { parseArtifactRepository } from './image-ref';
import { parseQuantity } from './names';
import { clusterShapeChecks } from './cluster-checks';
import { existingClusterProblems } from './existing-cluster';

/** One validation problem, naming the field by path (e.g. `cluster.nodePools[1].name`). */
export interface SpecIssue {
  path: string;
  message: string;
}

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Reports each later occurrence of a key already seen in the list. */
function duplicates(
  items: unknown[],
  key: (x: unknown) => unknown,
  path: (i: number) => string,
  what: string,
  out: SpecIssue[],
): void {
  const seen = new Map<unknown, number>();
  items.forEach((x, i) => {
    const k = key(x);
    if (k === undefined) return;
    const first = seen.get(k);
    if (first === undefined) seen.set(k, i);
    else out.push({ path: path(i), message: `duplicate ${what} ${JSON.stringify(k)} (also at index ${first})` });
  });
}

/** Cross-field problems of a raw spec document. */
export function crossCheck(doc: unknown): SpecIssue[] {
  const out: SpecIssue[] = [];
  const root = obj(doc);
  const cluster = obj(root.cluster);
  const autopilot = cluster.mode === 'autopilot';
  const pools = arr(cluster.nodePools);
  const poolNames = new Set(pools.map((p) => str(obj(p).name)));
  const location = str(root.location);
  /** Node counts as the user should read them: per zone, with the total in a regional cluster. */
  const nodes = (n: number) => (location !== undefined && isLocation(location) ? perZoneText(n, location) : String(n));

  clusterShapeChecks(root, out);
  if (autopilot && pools.length > 0)
    out.push({
      path: 'cluster.nodePools',
      message: 'must be omitted for an autopilot cluster (GKE manages its nodes)',
    });
  if (autopilot && location !== undefined && regionOf(location) !== location) {
    out.push({
      path: 'location',
      message: `autopilot clusters are regional: use ${regionOf(location)} instead of the zone ${location}`,
    });
  }
  duplicates(
    pools,
    (p) => str(obj(p).name),
    (i) => `cluster.nodePools[${i}].name`,
    'node pool name',
    out,
  );
  pools.forEach((p, i) => {
    const pool = obj(p);
    const auto = obj(pool.autoscaling);
    const [min, max, count] = [num(auto.min), num(auto.max), num(pool.nodeCount)];
    if (min !== undefined && max !== undefined && min > max)
      out.push({ path: `cluster.nodePools[${i}].autoscaling`, message: `min (${min}) must not exceed max (${max})` });
    else if (min !== undefined && max !== undefined && count !== undefined && (count < min || count > max)) {
      out.push({
        path: `cluster.nodePools[${i}].nodeCount`,
        message: `must be within autoscaling bounds ${min}..${max} nodes per zone (got ${nodes(count)})`,
      });
    }
  });

  workloadChoice(root, out);
  out.push(...existingClusterProblems(root));
  const deployment = obj(root.deployment);
  const containers = arr(deployment.containers);
  duplicates(
    containers,
    (c) => str(obj(c).name),
    (i) => `deployment.containers[${i}].name`,
    'container name',
    out,
  );
  const ports = containers.flatMap((c, ci) =>
    arr(obj(c).ports).map((p, pi) => ({
      ci,
      pi,
      port: typeof p === 'number' ? p : num(obj(p).containerPort),
      name: str(obj(p).name),
    })),
  );
  duplicates(
    ports,
    (p) => obj(p).port,
    (i) => `deployment.containers[${ports[i]?.ci}].ports[${ports[i]?.pi}]`,
    'container port',
    out,
  );
  duplicates(
    ports,
    (p) => obj(p).name,
    (i) => `deployment.containers[${ports[i]?.ci}].ports[${ports[i]?.pi}].name`,
    'port name',
    out,
  );
  const containerPorts = new Set(ports.map((p) => p.port));
  const image = root.image;
  const usesPushed = containers.some((c) => (obj(c).image ?? '$image') === '$image');
  containers.forEach((c, ci) => {
    const container = obj(c);
    const path = `deployment.containers[${ci}]`;
    if ((container.image ?? '$image') === '$image' && image === undefined)
      out.push({
        path: `${path}.image`,
        message: 'uses $image (the pushed image) but the spec has no image section; set an image reference',
      });
    const own = new Set(arr(container.ports).map((p) => (typeof p === 'number' ? p : num(obj(p).containerPort))));
    for (const probe of ['readinessProbe', 'livenessProbe'] as const) {
      const pr = obj(container[probe]);
      const port = num(obj(pr.httpGet).port) ?? num(obj(pr.tcpSocket).port);
      if (port !== undefined && !own.has(port))
        out.push({ path: `${path}.${probe}`, message: `port ${port} is not one of this container's ports` });
    }
    const res = obj(container.resources);
    for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
      const req = obj(res.requests)[r];
      const lim = obj(res.limits)[r];
      const [q, l] = [parseQuantity(String(req)), parseQuantity(String(lim))];
      if (req !== undefined && lim !== undefined && q !== undefined && l !== undefined && l < q) {
        out.push({
          path: `${path}.resources.limits.${r}`,
          message: `limit ${String(lim)} must not be below the request ${String(req)}`,
        });
      }
    }
  });
  if (image !== undefined && containers.length > 0 && !usesPushed)
    out.push({ path: 'image', message: 'is pushed but no container uses it (set a container image to $image)' });
  const repo = parseArtifactRepository(str(obj(image).repository) ?? '');
  if (typeof repo !== 'string' && root.project !== undefined && repo.project !== root.project) {
    out.push({
      path: 'image.repository',
      message: `must be in the environment's project ${String(root.project)} (got ${repo.project})`,
    });
  }
  const appLabel = obj(deployment.labels).app;
  if (appLabel !== undefined && deployment.name !== undefined && appLabel !== deployment.name) {
    out.push({
      path: 'deployment.labels.app',
      message: `is the pod selector label gkeflow sets to the deployment name (${String(deployment.name)}); remove it or use another key`,
    });
  }
  const nodePool = str(deployment.nodePool);
  if (
    nodePool !== undefined &&
    cluster.existing === undefined &&
    !poolNames.has(nodePool) &&
    !(pools.length === 0 && nodePool === DEFAULT_POOL.name && !autopilot)
  ) {
    out.push({ path: 'deployment.nodePool', message: `no node pool named "${nodePool}" in cluster.nodePools` });
  }

  const svcPorts = arr(obj(root.service).ports);
  duplicates(
    svcPorts,
    (p) => num(obj(p).port),
    (i) => `service.ports[${i}].port`,
    'service port',
    out,
  );
  duplicates(
    svcPorts,
    (p) => str(obj(p).name),
    (i) => `service.ports[${i}].name`,
    'service port name',
    out,
  );
  svcPorts.forEach((p, i) => {
    const sp = obj(p);
    const target = num(sp.targetPort) ?? num(sp.port);
    if (svcPorts.length > 1 && sp.name === undefined)
      out.push({ path: `service.ports[${i}].name`, message: 'is required when the service has more than one port' });
    if (target !== undefined && containers.length > 0 && !containerPorts.has(target)) {
      out.push({
        path: `service.ports[${i}].targetPort`,
        message: `${target} is not a container port of the deployment (${[...containerPorts].join(', ') || 'none declared'})`,
      });
    }
  });
  const probePort = num(obj(root.probe).port);
  if (probePort !== undefined && root.app === undefined && !svcPorts.some((p) => num(obj(p).port) === probePort))
    out.push({ path: 'probe.port', message: `${probePort} is not a service port` });

  arr(root.steps).forEach((s, i) => {
    if (root.app !== undefined && obj(s).scale !== undefined)
      out.push({
        path: `steps[${i}].scale`,
        message: "scales gkeflow's own Deployment; an app sets its replicas in its manifests",
      });
    const pool = str(obj(obj(s).resize).pool);
    if (pool === undefined || cluster.existing !== undefined) return;
    if (autopilot) out.push({ path: `steps[${i}].resize`, message: 'autopilot clusters have no node pools to resize' });
    else if (pools.length > 0 ? !poolNames.has(pool) : pool !== DEFAULT_POOL.name)
      out.push({ path: `steps[${i}].resize.pool`, message: `no node pool named "${pool}" in cluster.nodePools` });
    else {
      const auto = obj(obj(pools.find((p) => obj(p).name === pool)).autoscaling);
      const count = num(obj(obj(s).resize).nodeCount);
      const [min, max] = [num(auto.min), num(auto.max)];
      if (count !== undefined && min !== undefined && max !== undefined && (count < min || count > max)) {
        out.push({
          path: `steps[${i}].resize.nodeCount`,
          message: `must be within the pool's autoscaling bounds ${min}..${max} nodes per zone (got ${nodes(count)})`,
        });
      }
    }
  });
  return out;
}

/** `deployment` + `service` (gkeflow's own workload) or `app` (the user's manifests): exactly one of the two. */
function workloadChoice(root: Raw, out: SpecIssue[]): void {
  const has = (k: string) => root[k] !== undefined;
  if (has('app')) {
    for (const k of ['deployment', 'service'])
      if (has(k))
        out.push({ path: k, message: 'must be omitted when the spec has app (its manifests hold the workload)' });
    return;
  }
  for (const k of ['deployment', 'service'])
    if (!has(k)) out.push({ path: k, message: 'is required (or describe the workload with app)' });
}
