/**
 * Cross-field rules of the cluster shapes of issue 22, as GKE enforces them, plus gkeflow's own:
 * the worker must be able to reach the control plane it is about to create. Like cross-checks.ts
 * they read the raw document, so every problem is reported in one pass.
 */
import { subnetworkProject } from '../gke/cluster-shapes';
import { isLocation, regionOf } from '../gke/rules';

/** One validation problem (cross-checks.ts's SpecIssue). */
interface SpecIssue {
  path: string;
  message: string;
}

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Shared VPC, secondary ranges, private nodes and control plane reachability. */
export function clusterShapeChecks(root: Raw, out: SpecIssue[]): void {
  const cluster = obj(root.cluster);
  const pods = str(cluster.clusterSecondaryRangeName);
  const services = str(cluster.servicesSecondaryRangeName);
  const host = subnetworkProject(str(cluster.subnetwork));
  if (host !== undefined && host !== str(root.project) && !(pods && services))
    out.push({
      path: `cluster.${pods ? 'servicesSecondaryRangeName' : 'clusterSecondaryRangeName'}`,
      message: `required: the subnetwork is in host project ${host} (Shared VPC), where GKE cannot create secondary ranges; name the subnetwork's existing ranges for pods (clusterSecondaryRangeName) and Services (servicesSecondaryRangeName)`,
    });
  else if (!pods !== !services)
    out.push({
      path: `cluster.${pods ? 'servicesSecondaryRangeName' : 'clusterSecondaryRangeName'}`,
      message: 'clusterSecondaryRangeName and servicesSecondaryRangeName go together',
    });

  const subnetRegion = /\/regions\/([^/]+)\/subnetworks\//.exec(str(cluster.subnetwork) ?? '')?.[1];
  const location = str(root.location);
  if (subnetRegion && location && isLocation(location) && subnetRegion !== regionOf(location))
    out.push({
      path: 'cluster.subnetwork',
      message: `is in region ${subnetRegion}; GKE needs the cluster's region ${regionOf(location)}`,
    });

  const endpoints = obj(cluster.controlPlaneEndpoints);
  const publicEndpoint = endpoints.enablePublicEndpoint !== false;
  if (!publicEndpoint && cluster.privateNodes !== true)
    out.push({
      path: 'cluster.controlPlaneEndpoints.enablePublicEndpoint',
      message: 'false needs private nodes (cluster.privateNodes: true), as GKE requires',
    });
  if (endpoints.workerInVpc === true && (root.target ?? 'local') === 'local')
    out.push({
      path: 'cluster.controlPlaneEndpoints.workerInVpc',
      message: 'the local target has no VPC: a local worker reaches a private control plane through the DNS endpoint',
    });
  if (!publicEndpoint && endpoints.allowExternalTraffic !== true && endpoints.workerInVpc !== true)
    out.push({
      path: 'cluster.controlPlaneEndpoints.allowExternalTraffic',
      message:
        "must be true when enablePublicEndpoint is false: the worker, outside the cluster's VPC, could not reach the control plane (set allowExternalTraffic: true to use GKE's DNS-based endpoint, keep the public endpoint, or run the worker in the VPC and set workerInVpc: true)",
    });
}
