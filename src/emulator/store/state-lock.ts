/**
 * One emulator per state dir: two would both write `emulator.json` (each overwriting the other's
 * clusters) and both restart the same control planes. The lock is `<state dir>/emulator.lock`,
 * holding the owner's pid and start time; one left by an emulator that died is taken over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { tryDirLock } from '../../process/lock';
import { EmulatorStateError } from './durable-file';

/** Takes the state dir, or throws EmulatorStateError naming the emulator that has it. */
export function lockStateDir(stateDir: string): { release: () => void } {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const lock = path.join(stateDir, 'emulator.lock');
  const got = tryDirLock(lock);
  if ('release' in got) return got;
  throw new EmulatorStateError(
    lock,
    `the state dir ${stateDir} is in use by another emulator (pid ${got.holder || 'unknown'}, lock ${lock}); ` +
      'stop it first, or give this one another state dir',
  );
}
