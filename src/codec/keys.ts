/**
 * Where the payload codec's keys come from. A key ring is one or more `<key-id>:<base64 of 32
 * bytes>` entries (lines of a file, or comma-separated in the env var); the first seals new
 * payloads, every one opens old payloads, so a key rotates by putting a new line first.
 *
 * | env var                 | meaning                                                     |
 * |-------------------------|-------------------------------------------------------------|
 * | GKEFLOW_CODEC_KEY_FILE  | a key ring file (mode 0600)                                 |
 * | GKEFLOW_CODEC_KEY       | the key ring inline                                         |
 * | GKEFLOW_CODEC           | `off`: no encryption, even with the local stack's key;      |
 * |                         | `required`: refuse to run without a key;                    |
 * |                         | `accept-plain`: with a key, still read plaintext payloads   |
 * |                         | (histories written before encryption was on)                |
 *
 * With neither key variable set, a client of the local stack's own Temporal (the one its state
 * dir records running, see src/temporal/connection) uses `<state dir>/codec.key` (made by `stack
 * up`) when it exists; any other Temporal, on loopback or not, gets no default key.
 *
 * Required mode is on whenever a key is configured: payloads are always sealed and a plaintext
 * one read back is refused (AesGcmPayloadCodec), so a client without the key cannot slip a spec
 * in the clear past a worker that has one. Weak keys (all one byte, e.g. all zero) and
 * non-canonical base64 (junk after the `=`) are refused.
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
  /** The codec server's bearer token (src/codec/codec-server). */
  token: 'GKEFLOW_CODEC_TOKEN',
} as const);

/** The values GKEFLOW_CODEC takes (empty: the default, required whenever a key is configured). */
export const CODEC_MODES = ['off', 'required', 'accept-plain'] as const;
export type CodecMode = (typeof CODEC_MODES)[number] | '';

/** GKEFLOW_CODEC, checked: an unknown value is a usage error naming the variable. */
export function codecMode(env: NodeJS.ProcessEnv): CodecMode {
  const v = env[CODEC_ENV.mode] ?? '';
  if (v !== '' && !(CODEC_MODES as readonly string[]).includes(v))
    throw new UsageError(`${CODEC_ENV.mode}=${v}: expected one of ${CODEC_MODES.join(', ')}`);
  return v as CodecMode;
}

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
    // Canonical base64 only: Buffer.from ignores whatever follows the padding.
    if (!m || key?.length !== 32 || key.toString('base64') !== m[2])
      throw new UsageError(`${source}: entry ${i + 1} is not <key-id>:<base64 of 32 bytes>`, 'GKF-USAGE');
    if (key.every((b) => b === key[0]))
      throw new UsageError(
        `${source}: entry ${i + 1} is a weak key (every byte the same); make one with: openssl rand -base64 32`,
        'GKF-USAGE',
      );
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

/**
 * The local stack's codec token file in a state dir: the secret the codec server and the Web UI's
 * login ask for (src/codec/ui-front), so no other local user decodes. Only its path is ever passed
 * on (argv, env): the token itself stays in this 0600 file.
 */
export const localTokenFile = (dir: string) => path.join(dir, 'codec.token');

/** Creates the local stack's token file (32 random bytes, hex, mode 0600) unless it exists; returns its path. */
export function ensureLocalTokenFile(dir: string): string {
  const file = localTokenFile(dir);
  fs.mkdirSync(dir, { recursive: true });
  try {
    fs.writeFileSync(file, `${crypto.randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
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
 * The key ring the environment names, or undefined when payloads stay plain. `stackTemporal`: the
 * Temporal this process talks to is the local stack's own (not merely one on loopback, e.g. a
 * cluster's through `kubectl port-forward`), so the stack's key applies by default.
 */
export function keyRingFromEnv(env: NodeJS.ProcessEnv, stackTemporal: boolean): KeyRing | undefined {
  const mode = codecMode(env);
  if (mode === 'off') return undefined;
  const ring = configuredRing(env, stackTemporal);
  if (!ring && mode === 'required')
    throw new UsageError(
      `${CODEC_ENV.mode}=required and no codec key: set ${CODEC_ENV.keyFile} or ${CODEC_ENV.key} (see docs/security.md)`,
    );
  return ring;
}

function configuredRing(env: NodeJS.ProcessEnv, stackTemporal: boolean): KeyRing | undefined {
  const file = env[CODEC_ENV.keyFile];
  if (file) return readKeyFile(file, CODEC_ENV.keyFile);
  const inline = env[CODEC_ENV.key];
  if (inline) return parseKeyRing(inline, CODEC_ENV.key);
  const local = localKeyFile(stateDir(env));
  if (stackTemporal && fs.existsSync(local)) return readKeyFile(local, local);
  return undefined;
}
