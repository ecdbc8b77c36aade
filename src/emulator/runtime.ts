/**
 * The control planes behind emulated clusters. 'kwok': a real Kubernetes control plane per
 * cluster (src/kube/kwok-cluster.ts) with one kwok node per GKE node, labelled like GKE's;
 * 'none': GKE metadata only, an unreachable TEST-NET endpoint and no credentials.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { regionOf, MACHINE_TYPES } from '../gke/rules';
import { createKwokCluster, deleteKwokCluster, kwokKubeConfig, startKwokCluster, stopKwokCluster, type KwokToolchain } from '../kube/kwok-cluster';
import { addKwokNodes, GKE_NODEPOOL_LABEL, removeKwokNodes, waitForKwokNodesReady, type KwokNodeSpec } from '../kube/kwok-nodes';
import type { LoadBalancerTimings } from '../kube/kwok-stages';
import { ensureToolchain } from '../stack/toolchain';
import { clusterId } from './names';
import type { ClusterRecord, ControlPlaneAccess, LeakedLoadBalancer, PoolRecord } from './store';

/** What the lifecycle needs from a control plane. */
export interface ControlPlaneRuntime {
  create(c: ClusterRecord, lb: LoadBalancerTimings): Promise<ControlPlaneAccess>;
  /** Makes the pool's nodes match nodeCount × locations (adds or removes nodes). */
  syncPool(c: ClusterRecord, pool: PoolRecord): Promise<void>;
  removePool(c: ClusterRecord, pool: string): Promise<void>;
  /** Deletes the control plane; returns the LoadBalancer Services it still had (leaked). */
  delete(c: ClusterRecord): Promise<LeakedLoadBalancer[]>;
  /** Starts a stopped control plane again (emulator restart). */
  restore(c: ClusterRecord): Promise<ControlPlaneAccess>;
  /** Stops it, keeping its state. */
  stop(c: ClusterRecord): Promise<void>;
}

const hash = (s: string) => crypto.createHash('sha1').update(s).digest('hex');

/** GKE-like node names: gke-<cluster>-<pool>-<hash>-<zone letter><index>. */
export function nodeNames(c: ClusterRecord, pool: PoolRecord): KwokNodeSpec[] {
  const h = hash(`${clusterId(c)}/${pool.name}`).slice(0, 8);
  const mt = MACHINE_TYPES[pool.machineType];
  return pool.locations.flatMap((zone) =>
    Array.from({ length: pool.nodeCount }, (_, i) => ({
      name: `gke-${c.cluster.slice(0, 12)}-${pool.name.slice(0, 12)}-${h}-${zone.slice(-1)}${i}`.replace(/-+/g, '-'),
      labels: {
        ...pool.labels,
        [GKE_NODEPOOL_LABEL]: pool.name,
        'cloud.google.com/machine-family': pool.machineType.split('-')[0] ?? '',
        'cloud.google.com/gke-os-distribution': 'cos',
        'node.kubernetes.io/instance-type': pool.machineType,
        'topology.kubernetes.io/zone': zone,
        'topology.kubernetes.io/region': regionOf(zone),
      },
      capacity: mt ? { cpu: String(mt.cpus), memory: `${mt.memoryMb}Mi` } : undefined,
    })),
  );
}

/** Control planes made by kwokctl under `<stateDir>/kwok`. */
export class KwokRuntime implements ControlPlaneRuntime {
  private toolchain: Promise<KwokToolchain> | undefined;
  private readonly workdir: string;

  constructor(
    stateDir: string,
    private log: (line: string) => void = () => {},
  ) {
    this.workdir = path.join(stateDir, 'kwok');
  }

  private ref = async (c: ClusterRecord) => ({ name: kwokName(c), workdir: this.workdir, toolchain: await this.tools() });

  private tools(): Promise<KwokToolchain> {
    this.toolchain ??= ensureToolchain({ only: ['kubernetes', 'etcd', 'kwok'], log: (l) => this.log(`[toolchain] ${l}`) });
    return this.toolchain;
  }

  private kc(c: ClusterRecord) {
    if (!c.access?.endpoint) throw new Error(`cluster ${clusterId(c)} has no control plane`);
    return kwokKubeConfig({ name: kwokName(c), server: `https://${c.access.endpoint}`, ...c.access });
  }

  async create(c: ClusterRecord, loadBalancer: LoadBalancerTimings): Promise<ControlPlaneAccess> {
    const ref = await this.ref(c);
    await deleteKwokCluster(ref); // a leftover from an interrupted create
    const k = await createKwokCluster({ ...ref, loadBalancer, nodes: c.pools.flatMap((p) => nodeNames(c, p)) });
    return { endpoint: k.server.replace('https://', ''), caData: k.caData, clientCertData: k.clientCertData, clientKeyData: k.clientKeyData, kwokName: k.name };
  }

  async syncPool(c: ClusterRecord, pool: PoolRecord): Promise<void> {
    const kc = this.kc(c);
    const want = nodeNames(c, pool);
    const have = (await kc.makeApiClient(CoreV1Api).listNode({ labelSelector: `${GKE_NODEPOOL_LABEL}=${pool.name}` })).items.map((n) => n.metadata?.name ?? '');
    const wantNames = new Set(want.map((n) => n.name));
    await removeKwokNodes(kc, have.filter((n) => !wantNames.has(n)));
    const missing = want.filter((n) => !have.includes(n.name));
    await addKwokNodes(kc, missing);
    await waitForKwokNodesReady(kc, missing.map((n) => n.name));
  }

  async removePool(c: ClusterRecord, pool: string): Promise<void> {
    const kc = this.kc(c);
    const nodes = await kc.makeApiClient(CoreV1Api).listNode({ labelSelector: `${GKE_NODEPOOL_LABEL}=${pool}` });
    await removeKwokNodes(kc, nodes.items.map((n) => n.metadata?.name ?? ''));
  }

  async delete(c: ClusterRecord): Promise<LeakedLoadBalancer[]> {
    const leaks = c.access?.endpoint ? await this.loadBalancers(c).catch((e: Error) => (this.log(`could not list Services of ${clusterId(c)}: ${e.message}`), [])) : [];
    await deleteKwokCluster(await this.ref(c));
    return leaks;
  }

  /** Every LoadBalancer Service still in the cluster, as the forwarding rule GKE made for it. */
  private async loadBalancers(c: ClusterRecord): Promise<LeakedLoadBalancer[]> {
    const svcs = await this.kc(c).makeApiClient(CoreV1Api).listServiceForAllNamespaces();
    const now = new Date().toISOString();
    return svcs.items
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
  }

  async restore(c: ClusterRecord): Promise<ControlPlaneAccess> {
    const k = await startKwokCluster(await this.ref(c));
    return { endpoint: k.server.replace('https://', ''), caData: k.caData, clientCertData: k.clientCertData, clientKeyData: k.clientKeyData, kwokName: k.name };
  }

  async stop(c: ClusterRecord): Promise<void> {
    await stopKwokCluster(await this.ref(c));
  }
}

/** Metadata-only clusters: fast, no processes. */
export class NoControlPlaneRuntime implements ControlPlaneRuntime {
  create(c: ClusterRecord): Promise<ControlPlaneAccess> {
    // TEST-NET-1 (RFC 5737): clearly not reachable.
    const n = 1 + (parseInt(hash(clusterId(c)).slice(0, 4), 16) % 254);
    return Promise.resolve({ endpoint: `192.0.2.${n}`, caData: '', clientCertData: '', clientKeyData: '' });
  }
  syncPool = () => Promise.resolve();
  removePool = () => Promise.resolve();
  delete = () => Promise.resolve([]);
  restore = (c: ClusterRecord) => Promise.resolve(c.access ?? { endpoint: '', caData: '', clientCertData: '', clientKeyData: '' });
  stop = () => Promise.resolve();
}

/** kwok cluster name: the GKE name plus a hash of project/location, unique in the workdir. */
export const kwokName = (c: ClusterRecord) => `${c.cluster}-${hash(clusterId(c)).slice(0, 6)}`;
