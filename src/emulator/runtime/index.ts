/**
 * The control planes behind emulated clusters. 'kwok': a real Kubernetes control plane per
 * cluster (kwok-runtime.ts, on kwok-cluster.ts) with one kwok node per GKE node, labelled like
 * GKE's; 'none': GKE metadata only, an unreachable TEST-NET endpoint and no credentials.
 */
import { clusterId } from '../gke/names';
import type { ClusterRecord, ControlPlaneAccess } from '../store/store';
import { hash, type ControlPlaneRuntime } from './control-plane';

export type { ControlPlaneRuntime } from './control-plane';
export { KwokRuntime, KWOK_TOOLCHAIN_COMPONENTS, type KwokToolchainProvider } from './kwok-runtime';

/** Metadata-only clusters: fast, no processes. */
export class NoControlPlaneRuntime implements ControlPlaneRuntime {
  create(c: ClusterRecord): Promise<ControlPlaneAccess> {
    // TEST-NET-1 (RFC 5737): clearly not reachable.
    const n = 1 + (parseInt(hash(clusterId(c)).slice(0, 4), 16) % 254);
    return Promise.resolve({ endpoint: `192.0.2.${n}`, caData: '', clientCertData: '', clientKeyData: '' });
  }
  syncPool = () => Promise.resolve();
  removePool = () => Promise.resolve();
  removeOneNode = () => Promise.resolve('');
  delete = () => Promise.resolve([]);
  restore = (c: ClusterRecord) =>
    Promise.resolve(c.access ?? { endpoint: '', caData: '', clientCertData: '', clientKeyData: '' });
  stop = () => Promise.resolve();
}
