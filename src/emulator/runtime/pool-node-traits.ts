/**
 * What GKE puts on the nodes of a pool beyond the name and zone labels: the pool's own labels and
 * taints; Spot's labels (GKE adds no Spot taint: users add their own); on GPU pools the
 * `nvidia.com/gpu` capacity, the accelerator and driver labels and the taint
 * `nvidia.com/gpu=present:NoSchedule` (cloud.google.com/kubernetes-engine/docs/how-to/gpus,
 * cloud.google.com/kubernetes-engine/docs/concepts/spot-vms).
 */
import type { V1Taint } from '@kubernetes/client-node';
import type { PoolRecord, PoolTaint } from '../store/store';

/** GKE's taint on every GPU node; the ExtendedResourceToleration admission tolerates it for pods asking for GPUs. */
export const GPU_TAINT: V1Taint = Object.freeze({ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' });
/** The label GKE puts on Spot nodes. */
export const SPOT_LABEL = 'cloud.google.com/gke-spot';

const EFFECT: Record<PoolTaint['effect'], string> = {
  NO_SCHEDULE: 'NoSchedule',
  PREFER_NO_SCHEDULE: 'PreferNoSchedule',
  NO_EXECUTE: 'NoExecute',
};

/** Labels, taints and extended capacity of a pool's nodes. */
export function poolNodeTraits(pool: Pick<PoolRecord, 'accelerators' | 'spot' | 'taints'>): {
  labels: Record<string, string>;
  taints: V1Taint[];
  gpus: number;
} {
  const labels: Record<string, string> = {};
  const taints: V1Taint[] = (pool.taints ?? []).map((t) => ({ key: t.key, value: t.value, effect: EFFECT[t.effect] }));
  if (pool.spot) Object.assign(labels, { [SPOT_LABEL]: 'true', 'cloud.google.com/gke-provisioning': 'spot' });
  const gpus = (pool.accelerators ?? []).reduce((n, a) => n + a.count, 0);
  const gpu = pool.accelerators?.[0];
  if (gpu) {
    labels['cloud.google.com/gke-accelerator'] = gpu.type;
    labels['cloud.google.com/gke-accelerator-count'] = String(gpus);
    if (gpu.gpuDriverVersion && gpu.gpuDriverVersion !== 'INSTALLATION_DISABLED')
      labels['cloud.google.com/gke-gpu-driver-version'] = gpu.gpuDriverVersion.toLowerCase();
    taints.push({ ...GPU_TAINT });
  }
  return { labels, taints, gpus };
}
