/**
 * Where the payload codec's keys come from. A key ring is one or more `<key-id>:<base64 of 32
 * bytes>` entries (lines of a file, or comma-separated in the env var); the first seals new
 * payloads, every one opens old payloads, so a key rotates by putting a new line first.
 *
 * | env var                 | meaning                                                     |
 * |-------------------------|-------------------------------------------------------------|
 * | GKEFLOW_CODEC_KEY_FILE  | a key ring file (mode 0600)                                 |
 * | GKEFLOW_CODEC_KEY       | the key ring inline                                         |
 * | GKEFLOW_CODEC           | `off` turns encryption off, even with the local stack's key |
 *
 * With neither set, a client of a Temporal on loopback uses the local stack's key
 * (`<state dir>/codec.key`, made by `stack up`) when it exists.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../config/errors';
import { stateDir } from '../paths';

export const CODEC_ENV = Object.freeze({
  keyFile: 'GKEFLOW_CODEC_KEY_FILE',
  key: 'GKEFLOW_CODEC_KEY',
  mode: 'GKEFLOW_CODEC',
} as const);

/** Keys by id; `active` seals new payloads. */
export interface KeyRing {
  readonly active: { readonly id: string; readonly key: Buffer };
  readonly keys: ReadonlyMap<string, Buffer>;
}

const ENTRY = /^([A-Za-z0-9._-]{1,64}):([A-Za-z0-9+/=]+)$/;

/** Parses key ring text; a malformed entry is a usage error naming where it came from (never the key). */
export function parseKeyRing(text: string, source: string): KeyRing {
  const entries = text
    .split(/[\n,]/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const keys = new Map<string, Buffer>();
  entries.forEach((entry, i) => {
    const m = ENTRY.exec(entry);
    const key = m ? Buffer.from(m[2]!, 'base64') : undefined;
    if (!m || key?.length !== 32)
      throw new UsageError(`${source}: entry ${i + 1} is not <key-id>:<base64 of 32 bytes>`, 'GKF-USAGE');
    if (keys.has(m[1]!)) throw new UsageError(`${source}: key id '${m[1]}' appears twice`, 'GKF-USAGE');
    keys.set(m[1]!, key);
  });
  const [first] = keys;
  if (!first) throw new UsageError(`${source}: no key`, 'GKF-USAGE');
  return { active: { id: first[0], key: first[1] }, keys };
}

/** The local stack's key file in a state dir. */
export const localKeyFile = (dir: string) => path.join(dir, 'codec.key');

/** Creates the local stack's key file (one fresh key, mode 0600) unless it exists; returns its path. */
export function ensureLocalKeyFile(dir: string): string {
  const file = localKeyFile(dir);
  fs.mkdirSync(dir, { recursive: true });
  const id = `local-${new Date().toISOString().slice(0, 10)}`;
  try {
    fs.writeFileSync(file, `${id}:${crypto.randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return file;
}

function readKeyFile(file: string, source: string): KeyRing {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${source}: cannot read ${file} (${(e as NodeJS.ErrnoException).code})`, 'GKF-USAGE');
  }
  return parseKeyRing(text, source);
}

/**
 * The key ring the environment names, or undefined when payloads stay plain. `loopback`: the
 * Temporal this process talks to is local, so the local stack's key applies by default.
 */
export function keyRingFromEnv(env: NodeJS.ProcessEnv, loopback: boolean): KeyRing | undefined {
  if (env[CODEC_ENV.mode] === 'off') return undefined;
  const file = env[CODEC_ENV.keyFile];
  if (file) return readKeyFile(file, CODEC_ENV.keyFile);
  const inline = env[CODEC_ENV.key];
  if (inline) return parseKeyRing(inline, CODEC_ENV.key);
  const local = localKeyFile(stateDir(env));
  if (loopback && fs.existsSync(local)) return readKeyFile(local, local);
  return undefined;
}
