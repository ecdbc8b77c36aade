/**
 * createActivities(deps): every gkeflow activity for one target, with no module-level clients.
 * The worker passes the clients of its target; tests pass local ones. Errors leave as typed
 * ApplicationFailures (type = error class name, nonRetryable for the permanent ones).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { TargetConfig } from '../clients/config';
import { createTargetClients } from '../clients/index';
import type { GkeClient } from '../clients/gke';
import { toTemporalFailure } from '../contract/temporal-failures';
import { appApplyActivities } from './app-apply';
import { appDeleteActivities } from './app-delete';
import { clusterLabelActivities } from './cluster-labels';
import { gkeActivities } from './gke';
import { healthActivities } from './health';
import { kubeActivities } from './kube';
import { namespaceActivities } from './namespace';
import { secretEnvActivities } from './secret-env';
import { probeActivities } from './probe';
import { reaperActivities } from './reaper';
import { registryActivities } from './registry';
import type { EnvRef } from '../contract/environment-id';
import type { GkeflowActivities } from '../contract/activities';

/** Wait budgets and poll intervals (ms); defaults suit GKE, tests shorten them. */
export interface ActivityTimings {
  gkePollMs?: number;
  operationTimeoutMs?: number;
  rolloutTimeoutMs?: number;
  externalIpTimeoutMs?: number;
  deleteTimeoutMs?: number;
  heartbeatMs?: number;
  probeWindowMs?: number;
  probeIntervalMs?: number;
  /** Bytes a registry upload reads from the source at a time (bounds its memory). */
  chunkSize?: number;
}

export interface ActivityDeps {
  config: TargetConfig;
  gke: GkeClient;
  /** The KubeConfig of an environment's cluster, looked up inside the activity (see createTargetClients). */
  kubeFor: (env: EnvRef) => Promise<KubeConfig>;
  timings?: ActivityTimings;
}

type AnyFn = (...args: never[]) => Promise<unknown>;

/** Wraps an activity so our error classes reach Temporal as typed ApplicationFailures. */
function typed<F extends AnyFn>(fn: F): F {
  return (async (...args: Parameters<F>) => {
    try {
      return await fn(...args);
    } catch (e) {
      throw toTemporalFailure(e);
    }
  }) as F;
}

/** Builds the activities. Usage: `createActivities({config, ...createTargetClients(config)})`. */
export function createActivities(deps: ActivityDeps): GkeflowActivities {
  const t = deps.timings ?? {};
  // deleteCluster re-checks a reaper's verdict itself (clusterDeleteCheck is not an activity).
  const { clusterDeleteCheck, ...reaper } = reaperActivities({
    gke: deps.gke,
    kubeFor: deps.kubeFor,
    heartbeatMs: t.heartbeatMs,
  });
  const all: GkeflowActivities = {
    ...registryActivities({ config: deps.config, readWindow: t.chunkSize }),
    ...gkeActivities({
      gke: deps.gke,
      kubeFor: deps.kubeFor,
      pollMs: t.gkePollMs,
      operationTimeoutMs: t.operationTimeoutMs,
      releaseTimeoutMs: t.deleteTimeoutMs,
      deleteCheck: clusterDeleteCheck,
    }),
    ...clusterLabelActivities({ gke: deps.gke, pollMs: t.gkePollMs, operationTimeoutMs: t.operationTimeoutMs }),
    ...healthActivities({ gke: deps.gke, kubeFor: deps.kubeFor }),
    ...kubeActivities({
      kubeFor: deps.kubeFor,
      rolloutTimeoutMs: t.rolloutTimeoutMs,
      externalIpTimeoutMs: t.externalIpTimeoutMs,
      deleteTimeoutMs: t.deleteTimeoutMs,
      heartbeatMs: t.heartbeatMs,
    }),
    ...secretEnvActivities({ kubeFor: deps.kubeFor }),
    ...namespaceActivities({ kubeFor: deps.kubeFor, deleteTimeoutMs: t.deleteTimeoutMs }),
    ...appApplyActivities({ config: deps.config, kubeFor: deps.kubeFor, waitTimeoutMs: t.rolloutTimeoutMs }),
    ...appDeleteActivities({ config: deps.config, kubeFor: deps.kubeFor, waitTimeoutMs: t.deleteTimeoutMs }),
    ...probeActivities({ config: deps.config, windowMs: t.probeWindowMs, intervalMs: t.probeIntervalMs }),
    ...reaper,
  };
  const wrapped = {} as Record<string, AnyFn>;
  for (const [name, fn] of Object.entries(all) as Array<[string, AnyFn]>) wrapped[name] = typed(fn);
  return wrapped as unknown as GkeflowActivities;
}

/** Polls suited to the local emulator, whose operations take seconds rather than minutes. */
const LOCAL_TIMINGS: ActivityTimings = { gkePollMs: 500, heartbeatMs: 2000 };

/**
 * What the worker calls: the clients of a target and the activities over them.
 * `const { activities, close } = activitiesForTarget(targetConfigFromEnv())`.
 */
export function activitiesForTarget(
  config: TargetConfig,
  timings: ActivityTimings = {},
): { activities: GkeflowActivities; close(): Promise<void> } {
  const clients = createTargetClients(config);
  const t = config.target === 'local' ? { ...LOCAL_TIMINGS, ...timings } : timings;
  return {
    activities: createActivities({ config, gke: clients.gke, kubeFor: clients.kubeFor, timings: t }),
    close: () => clients.close(),
  };
}

export { envHash, managedLabels, belongsTo, expiresAtLabel } from '../contract/labels';
