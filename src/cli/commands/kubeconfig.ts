import { clusterResourceName, createTargetClients, targetConfigFromEnv } from '../../clients';
import { gkeExecKubeconfig } from '../../clients/gke-kubeconfig';
import { controlPlaneServer } from '../../clients/kube';
import { parseEnvId } from '../../contract/environment-id';
import { UsageError } from '../../config/errors';
import { connectClient, temporalConfig } from '../../temporal/connection';
import { environmentTarget, resolveEnvId } from '../../temporal/environments';
import type { CommandInput } from '../command';
import { emitResult } from '../output';

/**
 * `gkeflow kubeconfig ENV`: print a kubeconfig for the environment's cluster on stdout, for the
 * user's own kubectl. The target is the environment's own (its workflow's spec), not the CLI's
 * GKEFLOW_TARGET. Local: the emulated cluster's client certificate (a credential: it goes to
 * stdout only). gcp: what `gcloud container clusters get-credentials` writes — endpoint, CA and
 * an exec stanza for gke-gcloud-auth-plugin, which fetches fresh tokens; no credential in it.
 */
export async function kubeconfigCommand(input: CommandInput): Promise<void> {
  const cfg = temporalConfig();
  const { client, close } = await connectClient(cfg);
  let envId: string;
  let targetKind: 'local' | 'gcp';
  try {
    envId = await resolveEnvId(client, input.args[0]!);
    targetKind = await environmentTarget(client, cfg, envId);
  } finally {
    await close();
  }
  const env = parseEnvId(envId);
  if (!env) throw new UsageError(`no environment ${envId}`, 'GKF-ENV-NOT-FOUND');
  const target = targetConfigFromEnv({ ...process.env, GKEFLOW_TARGET: targetKind });
  const clients = createTargetClients(target);
  try {
    const notFound = (e: Error) => {
      throw new UsageError(`cluster ${clusterResourceName(env)}: ${e.message}`, 'GKF-ENV-NOT-FOUND');
    };
    let kubeconfig: string;
    if (target.target === 'gcp') {
      const cluster = await clients.gke.getCluster(clusterResourceName(env)).catch(notFound);
      if (!cluster.endpoint)
        throw new UsageError(
          `cluster ${clusterResourceName(env)} has no endpoint yet (status ${String(cluster.status)})`,
        );
      // What the user's machine can reach: the DNS endpoint of a cluster without a public one.
      const { server, caData } = controlPlaneServer(cluster);
      kubeconfig = gkeExecKubeconfig(env, server, caData ?? '');
    } else kubeconfig = (await clients.kubeFor(env).catch(notFound)).exportConfig();
    input.out(kubeconfig);
    emitResult(input, { envId, target: target.target, kubeconfig });
  } finally {
    await clients.close();
  }
}
