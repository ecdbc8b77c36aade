/**
 * The emulator's local data plane: load balancers that answer on loopback IPs and demo pods
 * that run as real processes (see cluster-data-plane.ts). It follows each kwok cluster from
 * the moment its control plane is created or restored until it is stopped or deleted, by
 * wrapping the kwok control-plane runtime.
 */
import path from 'node:path';
import { buildRunnableDemoImages, demoDigests, demoImageEnv, readDemoBinaries } from '../../image/demo';
import { clusterId } from '../gke/names';
import type { ControlPlaneRuntime } from '../runtime';
import { kwokKubeConfig } from '../runtime/kwok-cluster';
import { kwokName } from '../runtime/kwok-runtime';
import type { ClusterRecord, ControlPlaneAccess } from '../store/store';
import { ClusterDataPlane, type DemoRuntime } from './cluster-data-plane';

export type { DemoRuntime } from './cluster-data-plane';

/** Finds the demo server binary for this machine (the toolchain's demo component), or undefined. */
export type DemoBinaryProvider = () => Promise<string | undefined>;

/** Every cluster's data plane. */
export class DataPlane {
  private readonly clusters = new Map<string, ClusterDataPlane>();
  private demo: Promise<DemoRuntime | undefined> | undefined;

  constructor(
    private readonly demoBinary: DemoBinaryProvider,
    private readonly log: (line: string) => void,
    private readonly pollMs?: number,
  ) {}

  private demoRuntime(): Promise<DemoRuntime | undefined> {
    this.demo ??= this.demoBinary().then((binary) => {
      if (!binary) return undefined;
      const images = new Map<string, readonly string[]>();
      for (const [variant, image] of buildRunnableDemoImages(readDemoBinaries(path.dirname(binary))))
        for (const d of demoDigests(image)) images.set(d, demoImageEnv(variant));
      return { binary, images };
    });
    return this.demo;
  }

  /** Starts following a cluster whose control plane serves at `access`. */
  attach(c: ClusterRecord, access: ControlPlaneAccess): void {
    const id = clusterId(c);
    if (this.clusters.has(id) || !access.endpoint) return;
    const kubeConfig = kwokKubeConfig({ name: kwokName(c), server: `https://${access.endpoint}`, ...access });
    const dp = new ClusterDataPlane({
      name: id,
      kubeConfig,
      demo: () => this.demoRuntime(),
      log: this.log,
      pollMs: this.pollMs,
    });
    this.clusters.set(id, dp);
    dp.start();
  }

  /** Closes a cluster's listeners and stops its demo processes. */
  async detach(c: ClusterRecord): Promise<void> {
    const id = clusterId(c);
    const dp = this.clusters.get(id);
    this.clusters.delete(id);
    await dp?.stop();
  }

  /** What every cluster serves now. */
  describe(): Record<string, ReturnType<ClusterDataPlane['describe']>> {
    return Object.fromEntries([...this.clusters].map(([id, dp]) => [id, dp.describe()]));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.clusters.values()].map((dp) => dp.stop()));
    this.clusters.clear();
  }

  /** The kwok runtime with this data plane following each of its clusters. */
  wrap(runtime: ControlPlaneRuntime): ControlPlaneRuntime {
    return {
      create: async (c, lb) => {
        const access = await runtime.create(c, { ...lb, dataPlane: true });
        this.attach(c, access);
        return access;
      },
      syncPool: (c, pool) => runtime.syncPool(c, pool),
      removePool: (c, pool) => runtime.removePool(c, pool),
      removeOneNode: (c, pool) => runtime.removeOneNode(c, pool),
      delete: async (c) => {
        await this.detach(c);
        return runtime.delete(c);
      },
      restore: async (c) => {
        const access = await runtime.restore(c);
        this.attach(c, access);
        return access;
      },
      stop: async (c) => {
        await this.detach(c);
        await runtime.stop(c);
      },
    };
  }
}
