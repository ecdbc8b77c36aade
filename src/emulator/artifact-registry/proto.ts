/**
 * The Artifact Registry service definition, loaded from the protos shipped inside
 * @google-cloud/artifact-registry (the files the official client is generated from), and the
 * encoder for the google.protobuf.Any a long-running operation's response carries.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { protobuf } from 'google-gax';

const arRoot = path.resolve(path.dirname(require.resolve('@google-cloud/artifact-registry')), '..', '..');
const gaxRoot = path.resolve(path.dirname(require.resolve('google-gax')), '..', '..');
const PROTO_DIRS = [path.join(arRoot, 'build', 'protos'), path.join(gaxRoot, 'build', 'protos')];
const PACKAGE = 'google.devtools.artifactregistry.v1';

let service: ServiceDefinition | undefined;
let root: protobuf.Root | undefined;

/** google.devtools.artifactregistry.v1.ArtifactRegistry, requests decoded with camelCase fields and string enums. */
export function artifactRegistryService(): ServiceDefinition {
  service ??= protoLoader.loadSync('google/devtools/artifactregistry/v1/service.proto', {
    includeDirs: PROTO_DIRS,
    keepCase: false,
    longs: Number,
    enums: String,
    defaults: false,
    oneofs: true,
  })[`${PACKAGE}.ArtifactRegistry`] as unknown as ServiceDefinition;
  return service;
}

/** A google.protobuf.Any holding `message` as the named type (`Repository`, `google.protobuf.Empty`). */
export function packAny(typeName: string, message: Record<string, unknown>): { typeUrl: string; value: Buffer } {
  root ??= protobuf.Root.fromJSON(
    JSON.parse(fs.readFileSync(path.join(arRoot, 'build', 'protos', 'protos.json'), 'utf8')) as protobuf.INamespace,
  );
  const full = typeName.includes('.') ? typeName : `${PACKAGE}.${typeName}`;
  const type = root.lookupType(full);
  return { typeUrl: `type.googleapis.com/${full}`, value: Buffer.from(type.encode(type.fromObject(message)).finish()) };
}
