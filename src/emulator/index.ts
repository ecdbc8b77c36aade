/**
 * The GKE emulator's one public entry: what tests, benches and the local stack start it with.
 * Everything else under src/emulator/ is its inside (gke/ the emulated service, store/ its
 * state, runtime/ and dataplane/ the kwok clusters, artifact-registry/ the registry).
 */
export { EmulatorPortInUseError, startEmulator, type RunningEmulator } from './server';
export {
  DEFAULT_DELAYS,
  DELAY_PROFILES,
  GKE_DELAYS,
  ZERO_DELAYS,
  type Delays,
  type DelayProfile,
  type EmulatorOptions,
  type Quotas,
} from './settings';
export { KWOK_TOOLCHAIN_COMPONENTS, type KwokToolchainProvider } from './runtime';
export type { LocalArtifactRegistryOptions } from './artifact-registry';
