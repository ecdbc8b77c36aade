/**
 * The GKE emulator as tests and benches start it in process (the local stack runs
 * src/emulator/main.ts instead): free loopback ports, kwok control planes whose binaries come
 * from the toolchain cache, in the given state dir. Callers change any of it through the options.
 */
import {
  KWOK_TOOLCHAIN_COMPONENTS,
  startEmulator,
  type EmulatorOptions,
  type KwokToolchainProvider,
  type LocalArtifactRegistryOptions,
  type RunningEmulator,
} from '../emulator';
import { ensureToolchain } from '../toolchain/toolchain';

/** Provides the binaries of kwok control planes (kubernetes, etcd, kwok) from the toolchain cache. */
export const kwokToolchain: KwokToolchainProvider = (log) =>
  ensureToolchain({ only: [...KWOK_TOOLCHAIN_COMPONENTS], log });

/** Starts an emulator: ports 0, kwok control planes on kwokToolchain, the profile's delays, unless told otherwise. */
export function startLocalEmulator(
  o: Partial<EmulatorOptions & LocalArtifactRegistryOptions> & { stateDir: string },
): Promise<RunningEmulator> {
  return startEmulator({ port: 0, adminPort: 0, controlPlane: 'kwok', toolchain: kwokToolchain, ...o });
}
