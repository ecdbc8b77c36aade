/**
 * The environment's mutable state and how it is made visible: GkeflowPhase and friends as
 * search attributes, the current step as the run's details in the Web UI, and the status query.
 */
import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { SEARCH_ATTRIBUTES as SA } from '../contract/labels';
import { clusterNameOf, type EnvironmentSpec } from '../contract/environment-spec';
import type { CarriedState, EnvironmentStatus, Phase } from '../contract/workflow-input';

/** The state a fresh environment starts with. */
export function initialState(spec: EnvironmentSpec, expiresAtMs: number): CarriedState {
  const resources: CarriedState['resources'] = {
    image: 'absent',
    cluster: 'absent',
    deployment: 'absent',
    service: 'absent',
    // A namespace environment's namespace (its cluster is not its own and stays absent).
    ...(spec.cluster.existing !== undefined ? { namespace: 'absent' as const } : {}),
  };
  return {
    phase: 'validating',
    resources,
    replicas: spec.deployment?.replicas ?? 0,
    poolSizes: Object.fromEntries(spec.cluster.nodePools.map((p) => [p.name, p.nodeCount])),
    stepsDone: 0,
    expiresAtMs,
    generation: 0,
  };
}

/** Sets every search attribute of the environment (at start and after continue-as-new). */
export function publishIdentity(spec: EnvironmentSpec, state: CarriedState): void {
  upsertSearchAttributes([
    { key: SA.project, value: spec.project },
    { key: SA.location, value: spec.location },
    { key: SA.cluster, value: clusterNameOf(spec) },
    { key: SA.phase, value: state.phase },
    { key: SA.expiresAt, value: new Date(state.expiresAtMs) },
  ]);
}

/** Moves to a phase and keeps GkeflowPhase current. */
export function setPhase(state: CarriedState, phase: Phase): void {
  if (state.phase === phase) return;
  state.phase = phase;
  upsertSearchAttributes([{ key: SA.phase, value: phase }]);
}

/** Shows what the run is doing now in the Web UI (markdown, one line). */
export function showStep(text: string): void {
  setCurrentDetails(text);
}

/** The `status` query's answer. */
export function statusOf(spec: EnvironmentSpec, state: CarriedState): EnvironmentStatus {
  return {
    ...state,
    resources: { ...state.resources },
    poolSizes: { ...state.poolSizes },
    envId: workflowInfo().workflowId,
    expiresAt: new Date(state.expiresAtMs).toISOString(),
    stepsTotal: spec.steps.length,
  };
}
