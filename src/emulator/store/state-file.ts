/** The emulator's state file: `<state dir>/emulator.json`, read at start, written atomically. */
import fs from 'node:fs';
import path from 'node:path';
import type { ClusterRecord, LeakedLoadBalancer, OperationRecord } from './records';

/** What the file holds. */
export interface StateFile {
  version: 1;
  clusters: readonly ClusterRecord[];
  operations: readonly OperationRecord[];
  leaks: readonly LeakedLoadBalancer[];
}

/** Thrown by the store when the state file exists but cannot be read as emulator state. */
export class EmulatorStateError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file} is not readable emulator state (${detail}); move it away to start empty`);
    this.name = 'EmulatorStateError';
  }
}

/** The state file of a state dir (created if missing, private to the user: it holds client keys). */
export function stateFile(stateDir: string): string {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  return path.join(stateDir, 'emulator.json');
}

/** The state in the file, or undefined when there is none yet. */
export function readStateFile(file: string): StateFile | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as StateFile;
    if (s.version !== 1 || !Array.isArray(s.clusters) || !Array.isArray(s.operations))
      throw new Error('unknown layout');
    return { ...s, leaks: s.leaks ?? [] };
  } catch (e) {
    throw new EmulatorStateError(file, (e as Error).message);
  }
}

/** Writes the state atomically (temp file, then rename), readable by the owner only: it holds every cluster's client key. */
export function writeStateFile(file: string, state: StateFile): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.rmSync(tmp, { force: true }); // a leftover would keep its old mode
  fs.writeFileSync(tmp, JSON.stringify(state, null, 1), { mode: 0o600 });
  fs.renameSync(tmp, file);
}
