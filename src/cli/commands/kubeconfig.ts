import { clusterResourceName, createTargetClients, targetConfigFromEnv } from '../../clients';
import { parseEnvId } from '../../contract/environment-id';
import { UsageError } from '../../config/errors';
import { connectClient, temporalConfig } from '../../temporal/connection';
import { resolveEnvId } from '../../temporal/environments';
import type { CommandInput } from '../command';
import { emitResult } from '../output';

/**
 * `gkeflow kubeconfig ENV`: print a kubeconfig for the environment's cluster on stdout (for the
 * user's own kubectl; it holds a credential, so it goes nowhere else). On gcp it prints the
 * gcloud command instead, which keeps tokens fresh.
 */
export async function kubeconfigCommand(input: CommandInput): Promise<void> {
  const { args, out } = input;
  const { client, close } = await connectClient(temporalConfig());
  let envId: string;
  try {
    envId = await resolveEnvId(client, args[0]!);
  } finally {
    await close();
  }
  const env = parseEnvId(envId);
  if (!env) throw new UsageError(`no environment ${envId}`, 'GKF-ENV-NOT-FOUND');
  const target = targetConfigFromEnv();
  if (target.target === 'gcp') {
    const command = `gcloud container clusters get-credentials ${env.cluster} --location ${env.location} --project ${env.project}`;
    out(command);
    return emitResult(input, { envId, target: 'gcp', command });
  }
  const clients = createTargetClients(target);
  try {
    const kc = await clients.kubeFor(env).catch((e: Error) => {
      throw new UsageError(`cluster ${clusterResourceName(env)}: ${e.message}`, 'GKF-ENV-NOT-FOUND');
    });
    out(kc.exportConfig());
    emitResult(input, { envId, target: target.target, kubeconfig: kc.exportConfig() });
  } finally {
    await clients.close();
  }
}
