// The kwok control-plane binaries for an emulator started in a test (startEmulator's toolchain
// option): the toolchain's kubernetes, etcd and kwok components, built once into the cache.
import { KWOK_TOOLCHAIN_COMPONENTS, type KwokToolchainProvider } from '../../src/emulator/runtime';
import { ensureToolchain } from '../../src/toolchain/toolchain';

/** Provides the binaries of kwok control planes from the toolchain cache. */
export const kwokToolchain: KwokToolchainProvider = (log) =>
  ensureToolchain({ only: [...KWOK_TOOLCHAIN_COMPONENTS], log });
