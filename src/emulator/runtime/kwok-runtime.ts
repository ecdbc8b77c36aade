/**
 * Kwok control planes: each emulated cluster is a kwok cluster made by kwokctl under
 * `<stateDir>/kwok`, with one kwok node per GKE node, named and labelled like GKE's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CoreV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import { machineShape, regionOf } from '../../gke/rules';
import { clusterId } from '../gke/names';
import type { ClusterRecord, ControlPlaneAccess, LeakedLoadBalancer, PoolRecord } from '../store/store';
import { canPull } from '../gke/validate';
import { hash, type ControlPlaneRuntime } from './control-plane';
import { NO_PULL_SCOPE_SUFFIX } from './kwok-image-pull';
import {
  createKwokCluster,
  deleteKwokCluster,
  kwokKubeConfig,
  startKwokCluster,
  stopKwokCluster,
  type KwokCluster,
  type KwokToolchain,
} from './kwok-cluster';
import {
  addKwokNodes,
  GKE_NODEPOOL_LABEL,
  removeKwokNodes,
  waitForKwokNodesReady,
  type KwokNodeSpec,
} from './kwok-nodes';
import type { LoadBalancerTimings } from './kwok-stages';
import { poolNodeTraits } from './pool-node-traits';

/** Toolchain components a kwok control plane runs (kwokctl, kwok, etcd, the Kubernetes binaries). */
export const KWOK_TOOLCHAIN_COMPONENTS: readonly string[] = ['kubernetes', 'etcd', 'kwok', 'demo'];

/**
 * Provides the binaries of a kwok control plane, e.g.
 * `(log) => ensureToolchain({ only: [...KWOK_TOOLCHAIN_COMPONENTS], log })`. Called once by the runtime (and once by the data plane, for `demo`),
 * when the first kwok cluster is created or restored; `log` takes its progress lines.
 */
export type KwokToolchainProvider = (log: (line: string) => void) => Promise<KwokToolchain & { demo?: string }>;

/** GKE-like node names: gke-<cluster>-<pool>-<hash>-<zone letter><index>. */
export function nodeNames(c: ClusterRecord, pool: PoolRecord): KwokNodeSpec[] {
  const h = hash(`${clusterId(c)}/${pool.name}`).slice(0, 8);
  const mt = machineShape(pool.machineType);
  const suffix = canPull(pool.oauthScopes) ? '' : NO_PULL_SCOPE_SUFFIX;
  const traits = poolNodeTraits(pool);
  return pool.locations.flatMap((zone) =>
    Array.from({ length: pool.nodeCount }, (_, i) => ({
      name:
        `gke-${c.cluster.slice(0, 12)}-${pool.name.slice(0, 12)}-${h}-${zone.slice(-1)}${i}`.replace(/-+/g, '-') +
        suffix,
      labels: {
        ...pool.labels,
        ...traits.labels,
        [GKE_NODEPOOL_LABEL]: pool.name,
        'cloud.google.com/machine-family': pool.machineType.split('-')[0] ?? '',
        'cloud.google.com/gke-os-distribution': 'cos',
        'node.kubernetes.io/instance-type': pool.machineType,
        'topology.kubernetes.io/zone': zone,
        'topology.kubernetes.io/region': regionOf(zone),
      },
      capacity: {
        cpu: String(mt.cpus),
        memory: `${mt.memoryMb}Mi`,
        ...(traits.gpus ? { 'nvidia.com/gpu': String(traits.gpus) } : {}),
      },
      ...(traits.taints.length ? { taints: traits.taints } : {}),
    })),
  );
}

/** kwok cluster name: the GKE name plus a hash of project/location, unique in the workdir. */
export const kwokName = (c: ClusterRecord) => `${c.cluster}-${hash(clusterId(c)).slice(0, 6)}`;

const accessOf = (k: KwokCluster): ControlPlaneAccess => ({
  endpoint: k.server.replace('https://', ''),
  caData: k.caData,
  clientCertData: k.clientCertData,
  clientKeyData: k.clientKeyData,
  kwokName: k.name,
  ...(k.tokenAuthFile ? { acceptsToken: true } : {}),
});

/** The user a bearer token of the emulator is on its clusters: a cluster admin (system:masters). */
export const TOKEN_USER = 'gkeflow-emulator-token';

/**
 * Writes the token auth file every kube-apiserver of the emulator reads at start: the token,
 * as cluster admin, or no line (no token accepted) without one. Private (0600), replaced whole.
 */
export function writeTokenAuthFile(file: string, token: string | undefined): void {
  const csv = (v: string) => `"${v.replace(/"/g, '""')}"`;
  const text = token ? `${csv(token)},${TOKEN_USER},${TOKEN_USER},"system:masters"\n` : '';
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * Control planes made by kwokctl under `<stateDir>/kwok`. Each kube-apiserver takes the bearer
 * token in `<stateDir>/kwok/token-auth.csv`, which holds `clusterToken` (the emulator's
 * --require-auth token) or nothing, written before any control plane starts: a restarted
 * emulator with another token (or none) rewrites it.
 */
export class KwokRuntime implements ControlPlaneRuntime {
  private toolchain: Promise<KwokToolchain> | undefined;
  private readonly workdir: string;
  private readonly tokenAuthFile: string;

  constructor(
    stateDir: string,
    private readonly provideToolchain: KwokToolchainProvider | undefined,
    private readonly log: (line: string) => void = () => {},
    clusterToken?: string,
  ) {
    this.workdir = path.join(stateDir, 'kwok');
    this.tokenAuthFile = path.join(this.workdir, 'token-auth.csv');
    writeTokenAuthFile(this.tokenAuthFile, clusterToken);
  }

  private ref = async (c: ClusterRecord) => ({
    name: kwokName(c),
    workdir: this.workdir,
    toolchain: await this.tools(),
  });

  private tools(): Promise<KwokToolchain> {
    if (!this.provideToolchain)
      return Promise.reject(
        new Error('kwok control planes need the toolchain: start the emulator with the toolchain option'),
      );
    this.toolchain ??= this.provideToolchain((l) => this.log(`[toolchain] ${l}`));
    return this.toolchain;
  }

  private kc(c: ClusterRecord) {
    if (!c.access?.endpoint) throw new Error(`cluster ${clusterId(c)} has no control plane`);
    return kwokKubeConfig({ name: kwokName(c), server: `https://${c.access.endpoint}`, ...c.access });
  }

  async create(c: ClusterRecord, loadBalancer: LoadBalancerTimings): Promise<ControlPlaneAccess> {
    const ref = await this.ref(c);
    await deleteKwokCluster(ref); // a leftover from an interrupted create
    const nodes = c.pools.flatMap((p) => nodeNames(c, p));
    return accessOf(await createKwokCluster({ ...ref, loadBalancer, nodes, tokenAuthFile: this.tokenAuthFile }));
  }

  async syncPool(c: ClusterRecord, pool: PoolRecord): Promise<void> {
    const kc = this.kc(c);
    const want = nodeNames(c, pool);
    const have = (
      await kc.makeApiClient(CoreV1Api).listNode({ labelSelector: `${GKE_NODEPOOL_LABEL}=${pool.name}` })
    ).items.map((n) => n.metadata?.name ?? '');
    const wantNames = new Set(want.map((n) => n.name));
    await removeKwokNodes(
      kc,
      have.filter((n) => !wantNames.has(n)),
    );
    const missing = want.filter((n) => !have.includes(n.name));
    await addKwokNodes(kc, missing);
    await waitForKwokNodesReady(
      kc,
      missing.map((n) => n.name),
    );
  }

  async removePool(c: ClusterRecord, pool: string): Promise<void> {
    const kc = this.kc(c);
    const nodes = await kc.makeApiClient(CoreV1Api).listNode({ labelSelector: `${GKE_NODEPOOL_LABEL}=${pool}` });
    await removeKwokNodes(
      kc,
      nodes.items.map((n) => n.metadata?.name ?? ''),
    );
  }

  async removeOneNode(c: ClusterRecord, pool: string): Promise<string> {
    const kc = this.kc(c);
    const nodes = await kc.makeApiClient(CoreV1Api).listNode({ labelSelector: `${GKE_NODEPOOL_LABEL}=${pool}` });
    const name = nodes.items.map((n) => n.metadata?.name ?? '').sort()[0] ?? '';
    if (!name) return name;
    // The VM is gone: its pods end with it (GKE's graceful node shutdown) and their controllers
    // make them again wherever they fit.
    const core = kc.makeApiClient(CoreV1Api);
    const pods = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${name}` });
    await Promise.all(
      pods.items.map((p) =>
        core
          .deleteNamespacedPod({
            name: p.metadata?.name ?? '',
            namespace: p.metadata?.namespace ?? '',
            gracePeriodSeconds: 0,
          })
          .catch(() => {}),
      ),
    );
    await removeKwokNodes(kc, [name]);
    return name;
  }

  async delete(c: ClusterRecord): Promise<LeakedLoadBalancer[]> {
    const leaks = c.access?.endpoint
      ? await this.loadBalancers(c).catch(
          (e: Error) => (this.log(`could not list Services of ${clusterId(c)}: ${e.message}`), []),
        )
      : [];
    await deleteKwokCluster(await this.ref(c));
    return leaks;
  }

  /** Every LoadBalancer Service still in the cluster, as the forwarding rule GKE made for it. */
  private async loadBalancers(c: ClusterRecord): Promise<LeakedLoadBalancer[]> {
    const svcs = await this.kc(c).makeApiClient(CoreV1Api).listServiceForAllNamespaces();
    const now = new Date().toISOString();
    const services: LeakedLoadBalancer[] = svcs.items
      .filter((s) => s.spec?.type === 'LoadBalancer')
      .map((s) => ({
        forwardingRule: `a${(s.metadata?.uid ?? '').replace(/-/g, '')}`.slice(0, 32),
        project: c.project,
        location: c.location,
        cluster: c.cluster,
        namespace: s.metadata?.namespace ?? '',
        service: s.metadata?.name ?? '',
        ip: s.status?.loadBalancer?.ingress?.[0]?.ip,
        leakedAt: now,
      }));
    return [...services, ...(await this.ingressLoadBalancers(c, now))];
  }

  /** Every Ingress still in the cluster: GKE made a load balancer for each, and deleting the cluster leaves it. */
  private async ingressLoadBalancers(c: ClusterRecord, now: string): Promise<LeakedLoadBalancer[]> {
    const list = await this.kc(c).makeApiClient(NetworkingV1Api).listIngressForAllNamespaces();
    return list.items.map((i) => ({
      forwardingRule: `k8s2-fr-${(i.metadata?.uid ?? '').replace(/-/g, '')}`.slice(0, 40),
      project: c.project,
      location: c.location,
      cluster: c.cluster,
      namespace: i.metadata?.namespace ?? '',
      service: i.metadata?.name ?? '',
      kind: 'Ingress' as const,
      ...(i.status?.loadBalancer?.ingress?.[0]?.ip ? { ip: i.status.loadBalancer.ingress[0].ip } : {}),
      leakedAt: now,
    }));
  }

  async restore(c: ClusterRecord): Promise<ControlPlaneAccess> {
    return accessOf(await startKwokCluster(await this.ref(c)));
  }

  async stop(c: ClusterRecord): Promise<void> {
    await stopKwokCluster(await this.ref(c));
  }
}
