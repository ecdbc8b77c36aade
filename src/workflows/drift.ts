/**
 * The drift check's judgement: what a health report means for an environment. Pure, so the
 * rules are unit-testable and replay-safe. A cluster GKE no longer knows must be seen missing
 * twice in a row before the run gives it up as `lost` (one NOT_FOUND could be a glitch).
 */
import type { HealthReport } from '../contract/cluster-io';
import { clusterNameOf, endpointOf, type EnvironmentSpec } from '../contract/environment-spec';
import type { CarriedState } from '../contract/workflow-input';
import type { HealthExpectation } from '../contract/fleet-health';
import { envRefOf } from '../contract/provision-input';

/** Consecutive checks that must find the cluster missing before the environment counts as lost. */
export const MISSING_CONFIRMATIONS = 2;

/** What one check concluded. */
export type DriftVerdict =
  | { kind: 'healthy' }
  | { kind: 'degraded'; cause: string }
  /** The cluster is gone (confirmed); the run cleans up what remains and ends as `lost`. */
  | { kind: 'lost'; cause: string };

/** Cluster and pool statuses that are not drift: GKE's own maintenance reconciles now and then. */
const SETTLED = new Set(['RUNNING', 'RECONCILING']);

/** The IP of an endpoint URL `http://IP:PORT` (what the Service's external IP was at provisioning). */
export function endpointHost(endpoint: string | undefined): string | undefined {
  if (!endpoint) return undefined;
  return endpoint.replace(/^[a-z]+:\/\//, '').replace(/:\d+$/, '');
}

/** What a report is compared with, from the spec and the state gkeflow left the environment in. */
export function expectationOf(spec: EnvironmentSpec, state: CarriedState): HealthExpectation {
  const ip = endpointHost(state.endpoint);
  return {
    env: envRefOf(spec),
    ...endpointOf(spec),
    ...(spec.deployment ? { deployment: spec.deployment.name } : {}),
    poolSizes: { ...state.poolSizes },
    autoscaledPools: spec.cluster.nodePools.filter((p) => p.autoscaling !== undefined).map((p) => p.name),
    replicas: state.replicas,
    ...(ip ? { endpointIp: ip } : {}),
  };
}

/** The causes of drift a report shows against the state gkeflow left the environment in. */
export function driftCauses(spec: EnvironmentSpec, state: CarriedState, r: HealthReport): string[] {
  return expectedCauses(expectationOf(spec, state), r);
}

/** The causes of drift a report shows against an expectation (the sweep judges with this alone). */
export function expectedCauses(x: HealthExpectation, r: HealthReport): string[] {
  const causes: string[] = [];
  if (!SETTLED.has(r.cluster)) causes.push(`cluster ${x.env.cluster} is ${r.cluster}`);
  for (const [name, want] of Object.entries(x.poolSizes)) {
    const pool = r.pools.find((p) => p.name === name);
    const autoscaled = x.autoscaledPools.includes(name);
    if (!pool) causes.push(`node pool ${name} is gone`);
    else if (!SETTLED.has(pool.status)) causes.push(`node pool ${name} is ${pool.status}`);
    else if (!autoscaled && pool.nodeCount !== want)
      causes.push(`node pool ${name} has ${pool.nodeCount} nodes, expected ${want} (resized outside gkeflow)`);
  }
  const k = r.kube;
  if (k) {
    const nodes = r.pools.reduce((n, p) => n + p.nodeCount, 0);
    if (nodes > 0 && k.nodesReady < nodes) causes.push(`only ${k.nodesReady} of ${nodes} nodes are Ready`);
    const d = x.deployment;
    if (d === undefined) {
      // An app's workloads are its own manifests': the drift check looks at its endpoint Service.
    } else if (!k.deployment) causes.push(`Deployment ${d} is gone`);
    else if (k.deployment.availableReplicas < x.replicas)
      causes.push(`Deployment ${d} has ${k.deployment.availableReplicas} of ${x.replicas} replicas available`);
    const svc = x.service;
    const ip = x.endpointIp;
    if (!k.serviceExists) causes.push(`Service ${svc} is gone`);
    else if (!k.serviceIp) causes.push(`Service ${svc} has no external IP`);
    else if (ip && k.serviceIp !== ip) causes.push(`Service ${svc}'s external IP changed from ${ip} to ${k.serviceIp}`);
  }
  return causes;
}

/**
 * Judges a report; `missingBefore` is how many checks in a row already found the cluster
 * missing. Returns the verdict and the new count.
 */
export function assessHealth(
  spec: EnvironmentSpec,
  state: CarriedState,
  r: HealthReport,
  missingBefore: number,
): { verdict: DriftVerdict; missingChecks: number } {
  if (r.cluster === 'MISSING') {
    const n = missingBefore + 1;
    const cause = `cluster ${clusterNameOf(spec)} not found in ${spec.project}/${spec.location} (deleted outside gkeflow?)`;
    return n >= MISSING_CONFIRMATIONS
      ? { verdict: { kind: 'lost', cause: `${cause}; confirmed by ${n} checks` }, missingChecks: n }
      : { verdict: { kind: 'degraded', cause: `${cause}; check ${n} of ${MISSING_CONFIRMATIONS}` }, missingChecks: n };
  }
  const causes = driftCauses(spec, state, r);
  return {
    verdict: causes.length ? { kind: 'degraded', cause: causes.join('; ') } : { kind: 'healthy' },
    missingChecks: 0,
  };
}
