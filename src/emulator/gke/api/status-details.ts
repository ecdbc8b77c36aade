/**
 * `grpc-status-details-bin`: a google.rpc.Status carrying a google.rpc.ErrorInfo, the way Google
 * APIs say *why* (e.g. reason RATE_LIMIT_EXCEEDED on RESOURCE_EXHAUSTED). google-gax decodes it
 * into `err.reason` / `err.domain`. Hand-encoded: three tiny messages, no schema needed.
 */
import { Metadata } from '@grpc/grpc-js';

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

const field = (no: number, bytes: Buffer) => Buffer.concat([varint((no << 3) | 2), varint(bytes.length), bytes]);
const str = (no: number, s: string) => field(no, Buffer.from(s, 'utf8'));

/** Metadata with a Status{code, message, details: [ErrorInfo{reason, domain, metadata}]}. */
export function errorInfoMetadata(
  code: number,
  message: string,
  reason: string,
  domain = 'container.googleapis.com',
  metadata: Readonly<Record<string, string>> = {},
): Metadata {
  // ErrorInfo.metadata is a map<string, string>: repeated entries {key = 1, value = 2} in field 3.
  const entries = Object.entries(metadata).map(([k, v]) => field(3, Buffer.concat([str(1, k), str(2, v)])));
  const errorInfo = Buffer.concat([str(1, reason), str(2, domain), ...entries]);
  const any = Buffer.concat([str(1, 'type.googleapis.com/google.rpc.ErrorInfo'), field(2, errorInfo)]);
  const status = Buffer.concat([varint(1 << 3), varint(code), str(2, message), field(3, any)]);
  const md = new Metadata();
  md.set('grpc-status-details-bin', status);
  return md;
}
