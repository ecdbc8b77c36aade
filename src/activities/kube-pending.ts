/**
 * Why a rollout does not finish, in the scheduler's words: a Deployment's pods that the
 * scheduler could not place (PodScheduled False, reason Unschedulable) carry its message
 * (`0/2 nodes are available: 2 node(s) had untolerated taint(s). …`). A rollout that
 * fails or runs out of time reports it instead of a bare timeout.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeLib } from '../clients/kube-lib';

/** The first unschedulable pod of a Deployment and the scheduler's reason, or undefined. */
export async function unschedulableReason(
  kc: KubeConfig,
  namespace: string,
  name: string,
): Promise<string | undefined> {
  const d = await kc.makeApiClient((await kubeLib()).AppsV1Api).readNamespacedDeployment({ namespace, name });
  const match = d.spec?.selector?.matchLabels ?? {};
  const labelSelector = Object.entries(match)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  if (!labelSelector) return undefined;
  const pods = await kc.makeApiClient((await kubeLib()).CoreV1Api).listNamespacedPod({ namespace, labelSelector });
  for (const p of pods.items) {
    const c = p.status?.conditions?.find(
      (x) => x.type === 'PodScheduled' && x.status === 'False' && x.reason === 'Unschedulable',
    );
    if (c) return `pod ${p.metadata?.name ?? '?'} is Pending: ${c.message ?? c.reason}`;
  }
  return undefined;
}
