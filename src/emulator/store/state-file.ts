/**
 * The emulator's state file: `<state dir>/emulator.json`, read at start (a damaged one refused,
 * a copy kept), written atomically and durably (durable-file.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ClusterRecord, LeakedLoadBalancer, OperationRecord } from './records';
import { readStateJson, writeFileDurably } from './durable-file';

export { EmulatorStateError } from './durable-file';

/** What the file holds. */
export interface StateFile {
  version: 1;
  clusters: readonly ClusterRecord[];
  operations: readonly OperationRecord[];
  leaks: readonly LeakedLoadBalancer[];
}

/** The state file of a state dir (created if missing, private to the user: it holds client keys). */
export function stateFile(stateDir: string): string {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  return path.join(stateDir, 'emulator.json');
}

/** The state in the file, or undefined when there is none yet; EmulatorStateError when it is damaged. */
export function readStateFile(file: string): StateFile | undefined {
  return readStateJson(file, 'emulator state', (raw) => {
    const s = raw as StateFile;
    if (s?.version !== 1 || !Array.isArray(s.clusters) || !Array.isArray(s.operations))
      throw new Error('unknown layout (expected version 1 with clusters and operations)');
    return { ...s, leaks: s.leaks ?? [] };
  });
}

/** Writes the state atomically and durably, readable by the owner only: it holds every cluster's client key. */
export function writeStateFile(file: string, state: StateFile): void {
  writeFileDurably(file, JSON.stringify(state, null, 1));
}
