/**
 * Stored records → proto messages (google.container.v1 Cluster, NodePool, Operation,
 * ServerConfig), shaped like GKE's answers: self links, deprecated zone fields, base64 certs.
 */
import { RELEASE_CHANNELS } from '../../../gke/rules';
import type { Settings } from '../../settings';
import { clusterPath, selfLink } from '../names';
import type { ClusterRecord, OperationRecord, PoolRecord } from '../../store/store';
import { KUBE_VERSION } from '../validate';

const poolToProto = (c: ClusterRecord, p: PoolRecord) => ({
  name: p.name,
  config: {
    machineType: p.machineType,
    diskSizeGb: p.diskSizeGb,
    imageType: p.imageType,
    labels: p.labels,
    diskType: 'pd-balanced',
    oauthScopes: p.oauthScopes ?? ['https://www.googleapis.com/auth/cloud-platform'],
    serviceAccount: p.serviceAccount ?? 'default',
    ...(p.workloadMetadataMode ? { workloadMetadataConfig: { mode: p.workloadMetadataMode } } : {}),
    accelerators: (p.accelerators ?? []).map((a) => ({
      acceleratorType: a.type,
      acceleratorCount: a.count,
      ...(a.gpuDriverVersion ? { gpuDriverInstallationConfig: { gpuDriverVersion: a.gpuDriverVersion } } : {}),
    })),
    spot: Boolean(p.spot),
    taints: p.taints ?? [],
  },
  initialNodeCount: p.nodeCount,
  locations: p.locations,
  selfLink: selfLink(`${clusterPath(c)}/nodePools/${p.name}`),
  version: p.version,
  instanceGroupUrls: p.locations.map(
    (z) =>
      `https://www.googleapis.com/compute/v1/projects/${c.project}/zones/${z}/instanceGroupManagers/gke-${c.cluster}-${p.name}-grp`,
  ),
  status: p.status,
  statusMessage: p.statusMessage ?? '',
  autoscaling: p.autoscaling
    ? {
        enabled: true,
        minNodeCount: p.autoscaling.minNodeCount,
        maxNodeCount: p.autoscaling.maxNodeCount,
        autoprovisioned: Boolean(p.autoscaling.autoprovisioned),
      }
    : { enabled: false },
  management: { autoRepair: true, autoUpgrade: true },
  maxPodsConstraint: { maxPodsPerNode: 110 },
  podIpv4CidrSize: 24,
  etag: `${p.nodeCount}-${p.status}`,
});

/**
 * The control plane's private (VPC-internal) address. Nothing may leave 127.0.0.0/8 here, so the
 * VPC is modelled by a loopback address nothing listens on: a worker outside the VPC that used it
 * would fail, as on GKE.
 */
export const PRIVATE_ENDPOINT = '127.255.255.254';

/** The port of a `host:port` control plane address, if it has one. */
const portOf = (endpoint: string | undefined) => /:(\d+)$/.exec(endpoint ?? '')?.[1];

/** Workload Identity, secondary ranges, private nodes and the control plane's endpoints, as GKE reports them. */
function configToProto(c: ClusterRecord, publicAddress: string): Record<string, unknown> {
  const publicEndpoint = c.publicEndpoint !== false;
  // GKE's DNS endpoint answers on 443; a local one answers on its control plane's loopback port.
  const port = portOf(c.access?.endpoint);
  return {
    ...(c.workloadPool ? { workloadIdentityConfig: { workloadPool: c.workloadPool } } : {}),
    privateClusterConfig: {
      enablePrivateNodes: Boolean(c.privateNodes),
      enablePrivateEndpoint: !publicEndpoint,
      privateEndpoint: PRIVATE_ENDPOINT,
      publicEndpoint: publicEndpoint ? publicAddress : '',
    },
    networkConfig: { defaultEnablePrivateNodes: Boolean(c.privateNodes) },
    controlPlaneEndpointsConfig: {
      dnsEndpointConfig: {
        endpoint: c.dnsEndpoint ? `${c.dnsEndpoint}${port ? `:${port}` : ''}` : '',
        allowExternalTraffic: Boolean(c.dnsAllowExternalTraffic),
      },
      ipEndpointsConfig: {
        enabled: true,
        enablePublicEndpoint: publicEndpoint,
        globalAccess: false,
        publicEndpoint: publicEndpoint ? publicAddress : '',
        privateEndpoint: PRIVATE_ENDPOINT,
      },
    },
  };
}

/** The NodePool message. */
export const toNodePool = poolToProto;

/**
 * The Cluster message GKE answers GetCluster with. With a fixed --require-auth token, a cluster
 * whose kube-apiserver takes that token issues no client certificate, as GKE (clients
 * authenticate with their access token); otherwise masterAuth carries the admin certificate.
 */
export function toCluster(c: ClusterRecord, settings: Pick<Settings, 'requireAuth'>): Record<string, unknown> {
  const nodes = c.pools.reduce((n, p) => n + p.nodeCount * p.locations.length, 0);
  const first = c.pools[0];
  const cert = typeof settings.requireAuth === 'string' && c.access?.acceptsToken ? undefined : c.access;
  const address = c.status === 'PROVISIONING' ? '' : (c.access?.endpoint ?? '');
  return {
    ...configToProto(c, address),
    name: c.cluster,
    description: c.description,
    initialNodeCount: 0,
    nodeConfig: first ? poolToProto(c, first).config : undefined,
    masterAuth: {
      clusterCaCertificate: c.access?.caData ?? '',
      clientCertificate: cert?.clientCertData ?? '',
      clientKey: cert?.clientKeyData ?? '',
      clientCertificateConfig: { issueClientCertificate: Boolean(cert?.clientCertData) },
    },
    loggingService: c.loggingService,
    monitoringService: c.monitoringService,
    network: c.network,
    subnetwork: c.subnetwork,
    ipAllocationPolicy: c.useIpAliases
      ? {
          useIpAliases: true,
          clusterIpv4CidrBlock: c.clusterIpv4Cidr,
          servicesIpv4CidrBlock: c.servicesIpv4Cidr,
          ...(c.clusterSecondaryRangeName
            ? {
                clusterSecondaryRangeName: c.clusterSecondaryRangeName,
                servicesSecondaryRangeName: c.servicesSecondaryRangeName,
              }
            : {}),
        }
      : { useIpAliases: false },
    clusterIpv4Cidr: c.clusterIpv4Cidr,
    servicesIpv4Cidr: c.servicesIpv4Cidr,
    nodePools: c.pools.map((p) => poolToProto(c, p)),
    locations: c.locations,
    resourceLabels: c.resourceLabels,
    labelFingerprint: c.labelFingerprint,
    selfLink: selfLink(clusterPath(c)),
    zone: c.location,
    location: c.location,
    // Without a public endpoint GKE's `endpoint` is the private one.
    endpoint: c.publicEndpoint === false && address ? PRIVATE_ENDPOINT : address,
    initialClusterVersion: KUBE_VERSION,
    currentMasterVersion: c.masterVersion,
    currentNodeVersion: first?.version ?? c.masterVersion,
    currentNodeCount: nodes,
    createTime: c.createTime,
    status: c.status,
    statusMessage: c.statusMessage,
    id: c.id,
    etag: `${c.labelFingerprint}-${c.status}`,
    autopilot: { enabled: c.autopilot },
    releaseChannel: { channel: c.releaseChannel },
  };
}

/** The Operation message. */
export function toOperation(o: OperationRecord): Record<string, unknown> {
  return {
    name: o.name,
    zone: o.location,
    location: o.location,
    operationType: o.operationType,
    status: o.status,
    detail: o.detail,
    statusMessage: o.error?.message ?? '',
    selfLink: o.selfLink,
    targetLink: o.targetLink,
    startTime: o.startTime,
    endTime: o.endTime ?? '',
    progress: { name: o.stage, status: o.status, metrics: [{ name: 'PERCENT_DONE', intValue: o.percent }] },
    error: o.error ? { code: o.error.code, message: o.error.message, details: [] } : undefined,
  };
}

const VERSIONS = [KUBE_VERSION, '1.35.5-gke.1000', '1.34.8-gke.1000'];

/** GetServerConfig: the versions this emulator offers (its control planes run Kubernetes 1.36.1). */
export function serverConfig(): Record<string, unknown> {
  return {
    defaultClusterVersion: KUBE_VERSION,
    validNodeVersions: VERSIONS,
    validMasterVersions: VERSIONS,
    defaultImageType: 'COS_CONTAINERD',
    validImageTypes: ['COS_CONTAINERD', 'UBUNTU_CONTAINERD'],
    channels: RELEASE_CHANNELS.map((channel) => ({
      channel,
      defaultVersion: KUBE_VERSION,
      validVersions: VERSIONS,
    })),
  };
}
