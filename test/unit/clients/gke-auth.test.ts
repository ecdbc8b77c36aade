import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { staticTokenSource } from '../../../src/clients/credentials';
import { createGkeClient } from '../../../src/clients/gke';

const protos = path.join(path.dirname(require.resolve('@google-cloud/container/package.json')), 'build', 'protos');
const gaxProtos = path.join(path.dirname(require.resolve('google-gax')), '..', 'protos');

/** A bare ClusterManager gRPC server that records the authorization metadata of each call. */
async function startRecorder(): Promise<{ port: number; seen: Array<string | undefined>; stop: () => Promise<void> }> {
  const def = protoLoader.loadSync('google/container/v1/cluster_service.proto', {
    includeDirs: [protos, gaxProtos],
    keepCase: false,
    enums: String,
    defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    google: { container: { v1: { ClusterManager: { service: grpc.ServiceDefinition } } } };
  };
  const seen: Array<string | undefined> = [];
  const server = new grpc.Server();
  server.addService(pkg.google.container.v1.ClusterManager.service, {
    getCluster: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const auth = call.metadata.get('authorization')[0];
      seen.push(typeof auth === 'string' ? auth : undefined);
      if (auth !== 'Bearer t0k3n') return cb({ code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong token' });
      cb(null, { name: 'c1', status: 'RUNNING' });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { port, seen, stop: () => new Promise((r) => server.tryShutdown(() => r())) };
}

void describe('GKE client auth', () => {
  let rec: Awaited<ReturnType<typeof startRecorder>>;
  before(async () => {
    rec = await startRecorder();
  });
  after(async () => rec?.stop());

  void it("sends the token source's bearer token on every call, and none without a token source", async () => {
    const withToken = createGkeClient({
      target: 'local',
      emulatorAddress: `127.0.0.1:${rec.port}`,
      registryAddress: 'x:1',
      tokenSource: staticTokenSource('t0k3n'),
    });
    const c = await withToken.getCluster('projects/p/locations/l/clusters/c1');
    assert.equal(c.name, 'c1');
    const without = createGkeClient({
      target: 'local',
      emulatorAddress: `127.0.0.1:${rec.port}`,
      registryAddress: 'x:1',
    });
    await assert.rejects(
      without.getCluster('projects/p/locations/l/clusters/c1'),
      (e: { code?: number }) => e.code === grpc.status.UNAUTHENTICATED,
    );
    assert.deepEqual(rec.seen, ['Bearer t0k3n', undefined]);
    await withToken.close();
    await without.close();
  });
});
