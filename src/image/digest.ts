/**
 * Content digests (`sha256:…`, `sha512:…`) and the limits the registry client keeps to: what a
 * hostile or broken registry may not make gkeflow accept, buffer or walk.
 */
import crypto from 'node:crypto';
import { InvalidArgumentError } from '../contract/activity-errors';

/** The OCI-registered digest algorithms and the hex length of each. */
const ALGORITHMS: Readonly<Record<string, number>> = { sha256: 64, sha512: 128 };

/** Largest manifest or index read (the distribution spec lets registries refuse bigger ones). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Largest blob a descriptor may declare (well above real layers, far below what fills a disk by surprise). */
export const MAX_BLOB_BYTES = 64 * 1024 ** 3;
/** How deep an index of indexes may nest (multi-platform images use one level, attestations two). */
export const MAX_INDEX_DEPTH = 8;

/** The algorithm of a well-formed digest; InvalidArgumentError otherwise. */
export function digestAlgorithm(digest: string): string {
  const [alg = '', hex = ''] = digest.split(':');
  const len = ALGORITHMS[alg];
  if (!len || hex.length !== len || !/^[a-f0-9]+$/.test(hex))
    throw new InvalidArgumentError(`unsupported or malformed digest "${digest.slice(0, 150)}" (sha256 or sha512)`, {
      digest: digest.slice(0, 150),
    });
  return alg;
}

/** Hashes bytes as they pass and checks them against `digest` at the end. */
export function digestVerifier(digest: string, what: string) {
  const alg = digestAlgorithm(digest);
  const hash = crypto.createHash(alg);
  return {
    update: (bytes: Buffer) => void hash.update(bytes),
    /** Throws InvalidArgumentError when the bytes seen do not have the digest. */
    check: () => {
      const got = `${alg}:${hash.digest('hex')}`;
      if (got !== digest) throw new InvalidArgumentError(`${what}: expected ${digest}, got ${got}`, { digest });
    },
  };
}

/** Throws InvalidArgumentError unless `bytes` have `digest` (either algorithm). */
export function verifyDigest(digest: string, bytes: Buffer, what: string): void {
  const v = digestVerifier(digest, what);
  v.update(bytes);
  v.check();
}

/** Throws InvalidArgumentError unless a descriptor's size is a whole number within `limit`. */
export function checkDeclaredSize(d: { digest: string; size: number }, limit: number, what: string): void {
  if (!Number.isSafeInteger(d.size) || d.size < 0 || d.size > limit)
    throw new InvalidArgumentError(
      `${what} ${d.digest} declares ${d.size} bytes, larger than the ${limit}-byte limit`,
      {
        digest: d.digest,
      },
    );
}
