/**
 * The ClusterManager service definition, loaded from the proto shipped inside
 * @google-cloud/container (the same file the official client is generated from), with request
 * decoding that never throws: bytes that do not decode become a marker the edge answers with
 * INVALID_ARGUMENT instead of grpc-js's INTERNAL.
 */
import path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';

const containerRoot = path.dirname(require.resolve('@google-cloud/container/package.json'));
// google-gax's package.json is not exported; its main file lives in build/src/.
const gaxRoot = path.resolve(path.dirname(require.resolve('google-gax')), '..', '..');

/** Where the proto files live. */
export const PROTO_FILE = 'google/container/v1/cluster_service.proto';
export const PROTO_DIRS = [path.join(containerRoot, 'build', 'protos'), path.join(gaxRoot, 'build', 'protos')];

/** Set on a request whose bytes did not decode. */
export const DECODE_ERROR = Symbol('decodeError');

export type DecodedRequest = Record<string, unknown> & { [DECODE_ERROR]?: string };

let cached: ServiceDefinition | undefined;

/**
 * The service's methods keyed by RPC name (`CreateCluster`, …). Requests decode with camelCase
 * field names, enums as strings, absent fields left undefined.
 */
export function clusterManagerService(): ServiceDefinition {
  if (cached) return cached;
  const def = protoLoader.loadSync(PROTO_FILE, {
    includeDirs: PROTO_DIRS,
    keepCase: false,
    longs: Number,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const svc = def['google.container.v1.ClusterManager'] as unknown as Record<
    string,
    MethodDefinition<unknown, unknown>
  >;
  const out: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [name, m] of Object.entries(svc)) {
    const original = m.requestDeserialize;
    out[name] = {
      ...m,
      requestDeserialize: (buf: Buffer) => {
        try {
          return original(buf);
        } catch (e) {
          return { [DECODE_ERROR]: (e as Error).message } as DecodedRequest;
        }
      },
    };
  }
  cached = out as ServiceDefinition;
  return cached;
}

/** RPC names of the service, e.g. `CreateCluster`. */
export const rpcNames = (): string[] => Object.keys(clusterManagerService());
