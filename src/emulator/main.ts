// The standalone GKE emulator: `npx tsx src/emulator/main.ts [--port 8090] [--admin-port 8091]
// [--state-dir DIR] [--control-plane kwok|none] [--speed N] [--profile default|gke|zero] [--seed N] [--require-auth[=TOKEN]]
// [--config FILE]`. Flags beat GKEFLOW_EMULATOR_* env vars beat the config file beat defaults.
// This entry is where the emulator meets the local stack: it takes the stack's state dir as the
// default and the stack's toolchain for kwok control planes; the library imports neither.
import path from 'node:path';
import { stateDir as stackStateDir } from '../paths';
import { ensureToolchain } from '../toolchain/toolchain';
import { registryFrontFromEnv } from './artifact-registry/options';
import { parseEmulatorArgs } from './standalone-options';
import { KWOK_TOOLCHAIN_COMPONENTS } from './runtime';
import { EmulatorPortInUseError, startEmulator } from './server';
import { EmulatorStateError } from './store/store';

async function run(): Promise<number> {
  let options;
  try {
    options = parseEmulatorArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`gke-emulator: ${(e as Error).message}`);
    return 2;
  }
  let emulator;
  try {
    emulator = await startEmulator({
      ...options,
      stateDir: options.stateDir ?? path.join(stackStateDir(), 'emulator'),
      registry: registryFrontFromEnv(),
      toolchain: (log) => ensureToolchain({ only: [...KWOK_TOOLCHAIN_COMPONENTS], log }),
      log: (l) => console.log(`[gke-emulator] ${l}`),
    });
  } catch (e) {
    if (!(e instanceof EmulatorPortInUseError || e instanceof EmulatorStateError)) throw e;
    console.error(`gke-emulator: ${e.message}`);
    return 2;
  }
  await new Promise<void>((resolve) => ['SIGINT', 'SIGTERM'].forEach((s) => process.once(s, () => resolve())));
  console.log('[gke-emulator] stopping (control planes keep their state)');
  await emulator.stop();
  return 0;
}

run().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
