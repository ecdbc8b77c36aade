/**
 * How the standalone emulator is told to serve the local Artifact Registry's Docker endpoint
 * (the local stack sets these; without them the emulator serves the Artifact Registry API only).
 */
import type { LocalArtifactRegistryOptions } from './index';

export const REGISTRY_FRONT_ENV = Object.freeze({
  /** Port of the Docker endpoint on 127.0.0.1. */
  port: 'GKEFLOW_EMULATOR_REGISTRY_PORT',
  /** Where the CNCF registry underneath listens: `unix:/path/to/socket` or `http://127.0.0.1:PORT`. */
  backend: 'GKEFLOW_EMULATOR_REGISTRY_BACKEND',
} as const);

/** The registry option of startEmulator from the environment (undefined when no backend is named). */
export function registryFrontFromEnv(env: NodeJS.ProcessEnv = process.env): LocalArtifactRegistryOptions['registry'] {
  const backend = env[REGISTRY_FRONT_ENV.backend];
  if (!backend) return undefined;
  return { backend, port: Number(env[REGISTRY_FRONT_ENV.port] ?? 0) };
}
