/**
 * What exists in the local cloud, read the way a user would check by hand: clusters and node
 * pools through the official GKE client, Kubernetes objects through each cluster's kubeconfig,
 * Artifact Registry repositories through the official Artifact Registry client, tags through the
 * registry's API, leaked load balancers from the emulator's admin endpoint.
 * The chaos suite compares it whole with what a case expects, so an extra resource fails it.
 */
import { v1 as artifactRegistry } from '@google-cloud/artifact-registry';
import { v1 } from '@google-cloud/container';
import { grpc } from 'google-gax';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';

export interface InventoryCluster {
  /** `project/location/cluster`. */
  name: string;
  status: string;
  /** Node pool → node count per zone. */
  pools: Record<string, number>;
}

export interface Inventory {
  clusters: InventoryCluster[];
  /** Per cluster: Deployments (name → replicas) and Services (name → type) outside kube-system, Secrets we made. */
  kube: Record<string, { deployments: Record<string, number>; services: Record<string, string>; secrets: string[] }>;
  /** Artifact Registry repositories (`project/location/repository`) of the projects, every location. */
  repositories: string[];
  /** `repository:tag` of every tag in the registry. */
  tags: string[];
  /** Leaked load balancers the emulator recorded (`cluster/namespace/service`). */
  leaks: string[];
}

export interface InventorySources {
  emulatorAddress: string;
  adminUrl: string;
  registryAddress: string;
  /** Projects to list clusters in (every location). */
  projects: string[];
}

const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease']);

function gkeClient(address: string): v1.ClusterManagerClient {
  const [host, port] = address.split(':');
  return new v1.ClusterManagerClient({
    apiEndpoint: host,
    port: Number(port),
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: 'googleapis.com',
    projectId: 'chaos',
  });
}

/** The official Artifact Registry client on the emulator's gRPC port (where ClusterManager is). */
function arClient(address: string): artifactRegistry.ArtifactRegistryClient {
  const [host, port] = address.split(':');
  return new artifactRegistry.ArtifactRegistryClient({
    apiEndpoint: host,
    port: Number(port),
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: 'googleapis.com',
    projectId: 'chaos',
  });
}

/** `projects/P/locations/L/repositories/R` → `P/L/R`, and back. */
const shortRepository = (name: string) =>
  name.replace(/^projects\/([^/]+)\/locations\/([^/]+)\/repositories\//, '$1/$2/');
const fullRepository = (short: string) => {
  const [project, location, repository] = short.split('/');
  return `projects/${project}/locations/${location}/repositories/${repository}`;
};

async function repositories(emulatorAddress: string, projects: string[]): Promise<string[]> {
  const ar = arClient(emulatorAddress);
  try {
    const out: string[] = [];
    for (const project of projects) {
      // `-`: every location (the emulator takes it; the real API would need ListLocations).
      const [list] = await ar.listRepositories({ parent: `projects/${project}/locations/-` });
      out.push(...list.map((r) => shortRepository(r.name ?? '?')));
    }
    return out.sort();
  } finally {
    await ar.close();
  }
}

/** Reads the whole inventory of the local cloud. */
export async function takeInventory(src: InventorySources): Promise<Inventory> {
  const gke = gkeClient(src.emulatorAddress);
  const inv: Inventory = { clusters: [], kube: {}, repositories: [], tags: [], leaks: [] };
  try {
    for (const project of src.projects) {
      const [res] = await gke.listClusters({ parent: `projects/${project}/locations/-` });
      for (const c of res.clusters ?? []) {
        const location = c.location ?? c.zone ?? '?';
        const parent = `projects/${project}/locations/${location}/clusters/${c.name}`;
        const [pools] = await gke.listNodePools({ parent });
        const name = `${project}/${location}/${c.name}`;
        inv.clusters.push({
          name,
          status: String(c.status),
          pools: Object.fromEntries((pools.nodePools ?? []).map((p) => [p.name ?? '?', p.initialNodeCount ?? 0])),
        });
        if (String(c.status) === 'RUNNING') inv.kube[name] = await kubeObjects(src.adminUrl, parent);
      }
    }
  } finally {
    await gke.close();
  }
  inv.clusters.sort((a, b) => a.name.localeCompare(b.name));
  inv.repositories = await repositories(src.emulatorAddress, src.projects);
  inv.tags = await registryTags(src.registryAddress);
  const leaks = (await (await fetch(`${src.adminUrl}/leaks`)).json()) as {
    leaks: Array<{ cluster: string; namespace: string; service: string }>;
  };
  inv.leaks = leaks.leaks.map((l) => `${l.cluster}/${l.namespace}/${l.service}`).sort();
  return inv;
}

async function kubeObjects(adminUrl: string, cluster: string): Promise<Inventory['kube'][string]> {
  const res = await fetch(`${adminUrl}/kubeconfig?cluster=${encodeURIComponent(cluster)}`);
  if (!res.ok) throw new Error(`kubeconfig of ${cluster}: ${res.status} ${await res.text()}`);
  const kc = new KubeConfig();
  kc.loadFromString(await res.text());
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const user = <T extends { metadata?: { namespace?: string; name?: string } }>(items: T[]) =>
    items.filter((o) => !SYSTEM_NAMESPACES.has(o.metadata?.namespace ?? ''));
  const key = (o: { metadata?: { namespace?: string; name?: string } }) =>
    `${o.metadata?.namespace === 'default' ? '' : `${o.metadata?.namespace}/`}${o.metadata?.name}`;
  const deployments = user((await apps.listDeploymentForAllNamespaces()).items);
  const services = user((await core.listServiceForAllNamespaces()).items).filter(
    (s) => !(s.metadata?.namespace === 'default' && s.metadata.name === 'kubernetes'),
  );
  const secrets = user((await core.listSecretForAllNamespaces()).items);
  return {
    deployments: Object.fromEntries(deployments.map((d) => [key(d), d.spec?.replicas ?? 0])),
    services: Object.fromEntries(services.map((s) => [key(s), s.spec?.type ?? '?'])),
    secrets: secrets.map(key).sort(),
  };
}

async function registryTags(address: string): Promise<string[]> {
  const catalog = (await (await fetch(`http://${address}/v2/_catalog`)).json()) as { repositories?: string[] };
  const tags: string[] = [];
  for (const repo of catalog.repositories ?? []) {
    const res = await fetch(`http://${address}/v2/${repo}/tags/list`);
    if (res.status === 404) continue;
    const list = (await res.json()) as { tags?: string[] | null };
    for (const t of list.tags ?? []) tags.push(`${repo}:${t}`);
  }
  return tags.sort();
}

/** A GKE client on the emulator for cleaning up after a case that leaves resources on purpose. */
export async function deleteClusterNow(emulatorAddress: string, fullName: string): Promise<void> {
  const [project, location, cluster] = fullName.split('/');
  const gke = gkeClient(emulatorAddress);
  try {
    const name = `projects/${project}/locations/${location}/clusters/${cluster}`;
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        await gke.deleteCluster({ name });
        break;
      } catch (e) {
        const code = (e as { code?: number }).code;
        if (code === 5) return; // NOT_FOUND: gone
        if (code !== 9 || Date.now() > deadline) throw e; // FAILED_PRECONDITION: an operation runs; wait
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    while (Date.now() < deadline) {
      const [res] = await gke.listClusters({ parent: `projects/${project}/locations/-` });
      if (!(res.clusters ?? []).some((c) => c.name === cluster)) return;
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`cluster ${fullName} still there after delete`);
  } finally {
    await gke.close();
  }
}

/** Deletes an Artifact Registry repository (`project/location/repository`) through the official client. */
export async function deleteRepositoryNow(emulatorAddress: string, short: string): Promise<void> {
  const ar = arClient(emulatorAddress);
  try {
    const [op] = await ar.deleteRepository({ name: fullRepository(short) });
    await op.promise();
  } catch (e) {
    if ((e as { code?: number }).code !== 5) throw e; // NOT_FOUND: gone
  } finally {
    await ar.close();
  }
}

/** Deletes a tag through the registry API (resolve its digest, DELETE the manifest). */
export async function deleteTagNow(registryAddress: string, repoTag: string): Promise<void> {
  const i = repoTag.lastIndexOf(':');
  const [repo, tag] = [repoTag.slice(0, i), repoTag.slice(i + 1)];
  const accept = [
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.v2+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
  ].join(', ');
  const head = await fetch(`http://${registryAddress}/v2/${repo}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept },
  });
  const digest = head.headers.get('docker-content-digest');
  if (!digest) return;
  await fetch(`http://${registryAddress}/v2/${repo}/manifests/${digest}`, { method: 'DELETE' });
}
