/**
 * The workflows the worker bundles (workflowsPath points here), plus their message
 * definitions, input types and start options for clients. Deterministic code only.
 */
export { environmentWorkflow } from './environment';
export { teardownWorkflow, type TeardownInput } from './teardown';
export { fleetHealthWorkflow } from './fleet-health';
export { reaperWorkflow, type ReaperInput, type ReapReport, type ReapEntry } from './reaper';
export {
  scaleUpdate,
  resizeUpdate,
  extendUpdate,
  teardownUpdate,
  statusQuery,
  type ScaleRequest,
  type ResizeRequest,
  type ExtendRequest,
  type ExtendResult,
  type TeardownRequest,
  type TeardownResult,
} from '../contract/messages';
export type { FailureDetails } from './errors';
export type { Leftover } from '../contract/messages';
export { PHASES } from '../contract/workflow-input';
export type {
  ProvisionInput,
  ProvisionTuning,
  CarriedState,
  EnvironmentStatus,
  Phase,
  ResourceKind,
  ResourceState,
} from '../contract/workflow-input';
export { environmentStartOptions } from './start';
export { ENVIRONMENT_WORKFLOW, TEARDOWN_WORKFLOW } from '../contract/messages';
export {
  FLEET_HEALTH_WORKFLOW,
  fleetQuery,
  formatHealthSweepId,
  type FleetHealthInput,
  type FleetHealthStatus,
} from '../contract/fleet-health';
