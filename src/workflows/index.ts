/**
 * The workflows the worker bundles (workflowsPath points here), plus their message
 * definitions, input types and start options for clients. Deterministic code only.
 */
export { environmentWorkflow } from './environment';
export { teardownWorkflow, type TeardownInput } from './teardown';
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
} from './definitions';
export type { FailureDetails, Leftover } from './errors';
export { PHASES } from './input';
export type {
  ProvisionInput,
  ProvisionTuning,
  CarriedState,
  EnvironmentStatus,
  Phase,
  ResourceKind,
  ResourceState,
} from './input';
export { environmentStartOptions, ENVIRONMENT_WORKFLOW, TEARDOWN_WORKFLOW } from './start';
