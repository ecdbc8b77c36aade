import { clusterResourceName, createTargetClients, targetConfigFromEnv } from '../../clients';
import { UsageError } from '../../errors';
import { connectClient, temporalConfig } from '../../temporal/connection';
import { resolveEnvId } from '../../temporal/environments';
import type { CommandInput } from '../table';

/**
 * `gkeflow kubeconfig ENV`: print a kubeconfig for the environment's cluster on stdout (for the
 * user's own kubectl; it holds a credential, so it goes nowhere else). On gcp it prints the
 * gcloud command instead, which keeps tokens fresh.
 */
export async function kubeconfigCommand({ args, out }: CommandInput): Promise<void> {
  const { client, close } = await connectClient(temporalConfig());
  let envId: string;
  try {
    envId = await resolveEnvId(client, args[0]!);
  } finally {
    await close();
  }
  const [, project, location, cluster] = envId.split('/') as [string, string, string, string];
  const target = targetConfigFromEnv();
  if (target.target === 'gcp') {
    out(`gcloud container clusters get-credentials ${cluster} --location ${location} --project ${project}`);
    return;
  }
  const clients = createTargetClients(target);
  try {
    const kc = await clients.kubeFor({ id: envId, project, location, cluster }).catch((e: Error) => {
      throw new UsageError(`cluster ${clusterResourceName({ id: envId, project, location, cluster })}: ${e.message}`, 'GKF-ENV-NOT-FOUND');
    });
    out(kc.exportConfig());
  } finally {
    await clients.close();
  }
}
