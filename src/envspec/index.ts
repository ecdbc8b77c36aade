/**
 * The environment spec: YAML → validated, normalised, frozen EnvironmentSpec, plus the
 * environment id and the workflow input derived from it. (Not for workflow code: parse.ts uses
 * node:fs; workflows import validate.ts / provision-input.ts directly.)
 */
export { parseSpec, loadSpecFile, type SpecParameters } from './parse';
export { parseOverride, type SpecOverride } from './overrides';
export { validateSpec, checkSpec, SpecValidationError, type SpecIssue } from './validate';
export { DEFAULT_POOL } from '../gke/rules';
export { type EnvironmentSpec, type PlanStep } from '../contract/environment-spec';
export { envIdOf, envRefOf, toProvisionInput } from '../contract/provision-input';
export { parseDuration, parseQuantity } from './names';
export { parseImageReference, parseImageSource, parseArtifactRepository } from './image-ref';
export {
  buildSchemas,
  TTL_MIN_MS,
  TTL_MAX_MS,
  ttlProblem,
  healthIntervalProblem,
  MAX_REPLICAS,
  type EnvironmentSpecInput,
} from './schema';
export { MAX_POOL_NODES } from '../gke/rules';
