/**
 * A shared cluster on the local cloud that gkeflow did not create (no gkeflow labels), with
 * objects of its own, for namespace environments (spec cluster.existing) to live on; and an
 * inventory of what is the cluster's own, to show a namespace environment left it untouched.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { createGkeClient } from '../../src/clients/gke';
import { createTargetClients, type TargetConfig } from '../../src/clients/index';
import { envRef } from '../../src/contract/environment-id';

export interface SharedCluster {
  project: string;
  location: string;
  name: string;
  kube: () => Promise<KubeConfig>;
  /** The cluster's own state: GKE status, labels, pools, and its namespaces and ConfigMaps other than `skip`'s. */
  inventory: (skip?: (namespace: string) => boolean) => Promise<string[]>;
  close: () => Promise<void>;
}

/** Creates the cluster through the GKE API (as its platform team would) and seeds its own objects. */
export async function createSharedCluster(
  target: TargetConfig,
  c: { project: string; location: string; name: string; nodes?: number },
): Promise<SharedCluster> {
  const gke = createGkeClient(target);
  const clients = createTargetClients(target);
  const parent = `projects/${c.project}/locations/${c.location}`;
  const fullName = `${parent}/clusters/${c.name}`;
  await gke.createCluster(parent, {
    name: c.name,
    resourceLabels: { team: 'platform' },
    ipAllocationPolicy: { useIpAliases: true },
    nodePools: [
      {
        name: 'default-pool',
        initialNodeCount: c.nodes ?? 2,
        config: { machineType: 'e2-small', oauthScopes: ['https://www.googleapis.com/auth/cloud-platform'] },
      },
    ],
  });
  const deadline = Date.now() + 240_000;
  for (;;) {
    const got = await gke.getCluster(fullName);
    if (got.status === 'RUNNING') break;
    if (Date.now() > deadline) throw new Error(`${fullName} not RUNNING: ${got.status}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const kube = () => clients.kubeFor(envRef({ project: c.project, location: c.location, cluster: c.name }));
  const core = (await kube()).makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'team-a', labels: { team: 'a' } } } });
  for (const namespace of ['default', 'team-a'])
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'platform-settings' }, data: { owner: 'platform' } },
    });
  return {
    ...c,
    kube,
    inventory: async (skip = () => false) => {
      const got = await gke.getCluster(fullName);
      const api = (await kube()).makeApiClient(CoreV1Api);
      const namespaces = (await api.listNamespace()).items
        .map((n) => n.metadata?.name ?? '')
        .filter((n) => !skip(n))
        .sort();
      const configMaps = (await api.listConfigMapForAllNamespaces()).items
        .filter((m) => !skip(m.metadata?.namespace ?? '') && m.metadata?.name !== 'kube-root-ca.crt')
        .map((m) => `configmap ${m.metadata?.namespace}/${m.metadata?.name} ${JSON.stringify(m.data)}`)
        .sort();
      return [
        `cluster ${got.name} ${got.status} labels ${JSON.stringify(got.resourceLabels)}`,
        ...(got.nodePools ?? []).map((p) => `pool ${p.name} ${p.initialNodeCount} ${p.status}`),
        ...namespaces.map((n) => `namespace ${n}`),
        ...configMaps,
      ];
    },
    close: async () => {
      await clients.close();
      await gke.close();
    },
  };
}
