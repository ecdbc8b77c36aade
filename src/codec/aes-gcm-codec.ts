/**
 * A Temporal payload codec that encrypts every payload with AES-256-GCM. Each encrypted payload
 * names the id of the key that sealed it, so keys rotate: new payloads use the ring's first key,
 * old ones still open with any key the ring holds.
 */
import crypto from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { UsageError } from '../config/errors';
import { CODEC_ENV, type KeyRing } from './keys';

/** The encoding an encrypted payload carries in its metadata (as in Temporal's encryption samples). */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** The metadata field naming the key that sealed a payload. */
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const encode = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const decode = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const TAG_BYTES = 16;

/** Thrown by the codec when a payload was sealed with a key the ring does not hold, or was altered. */
export class PayloadDecryptionError extends Error {
  constructor(
    readonly keyId: string,
    detail: string,
  ) {
    super(`cannot decrypt a payload sealed with key '${keyId}': ${detail}`);
    this.name = 'PayloadDecryptionError';
  }
}

function seal(plain: Uint8Array, key: Buffer): Uint8Array {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

function open(sealed: Uint8Array, key: Buffer): Uint8Array {
  const buf = Buffer.from(sealed);
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, buf.subarray(0, IV_BYTES));
  decipher.setAuthTag(buf.subarray(buf.length - TAG_BYTES));
  return Buffer.concat([decipher.update(buf.subarray(IV_BYTES, buf.length - TAG_BYTES)), decipher.final()]);
}

/**
 * The codec without a key: payloads go out plain, and an encrypted one coming back is a usage
 * error that says how to provide the key (instead of "unknown encoding" and a stack trace).
 */
export class MissingKeyCodec implements PayloadCodec {
  // async: a failure must reject, not throw, as the PayloadCodec interface promises
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads;
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    for (const p of payloads) {
      const encoding = p.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || decode(encoding) !== ENCRYPTED_ENCODING) continue;
      const id = p.metadata?.[KEY_ID_METADATA];
      throw new UsageError(
        `these payloads are encrypted (key '${id ? decode(id) : '?'}') and no codec key is configured: set ${CODEC_ENV.keyFile} or ${CODEC_ENV.key} (see docs/security.md)`,
      );
    }
    return payloads;
  }
}

/** Thrown by a codec in required mode when a payload comes back in plaintext. */
export class PlaintextPayloadError extends Error {
  constructor() {
    super(
      `a payload is not encrypted and a codec key is configured: refused (whoever wrote it had no key; ${CODEC_ENV.mode}=accept-plain reads histories from before encryption)`,
    );
    this.name = 'PlaintextPayloadError';
  }
}

/**
 * AES-256-GCM over whole payloads (metadata included), keyed by a KeyRing. Required mode (the
 * default): a plaintext payload is refused on decode; `acceptPlain` reads it (migration only).
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(
    private readonly ring: KeyRing,
    private readonly opts: { acceptPlain?: boolean } = {},
  ) {}

  // async: a failure must reject, not throw, as the PayloadCodec interface promises
  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.ring.active;
    return payloads.map((p) => ({
      metadata: { [METADATA_ENCODING_KEY]: encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: encode(id) },
      data: seal(temporal.api.common.v1.Payload.encode(p).finish(), key),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const encoding = p.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || decode(encoding) !== ENCRYPTED_ENCODING) {
        if (this.opts.acceptPlain) return p; // written before encryption was on
        throw new PlaintextPayloadError();
      }
      const idBytes = p.metadata?.[KEY_ID_METADATA];
      const id = idBytes ? decode(idBytes) : '';
      const key = this.ring.keys.get(id);
      if (!key) throw new PayloadDecryptionError(id, 'no such key in the key ring');
      let plain: Uint8Array;
      try {
        plain = open(p.data ?? new Uint8Array(), key);
      } catch (e) {
        throw new PayloadDecryptionError(id, (e as Error).message);
      }
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }
}

const isSealed = (p: Payload): boolean => {
  const encoding = p.metadata?.[METADATA_ENCODING_KEY];
  return !!encoding && decode(encoding) === ENCRYPTED_ENCODING;
};

/**
 * Decoding for display (the codec server behind the Web UI): the sealed payloads go through the
 * codec and must open; any other payload comes back as it is. Temporal writes some payloads in
 * plaintext by design (search attributes, the data of patch markers) and the Web UI sends them in
 * the same batches; echoing plaintext back reveals nothing the history does not already show.
 * The required rule stays where it protects something: encode always seals, and the worker's and
 * the CLI's codec refuse a plaintext payload, so input written without the key never runs.
 */
export async function decodeForDisplay(codec: PayloadCodec, payloads: Payload[]): Promise<Payload[]> {
  const sealed = payloads.filter(isSealed);
  if (!sealed.length) return payloads;
  const opened = (await codec.decode(sealed))[Symbol.iterator]();
  return payloads.map((p) => (isSealed(p) ? opened.next().value! : p));
}
