// The gRPC edge: malformed requests are INVALID_ARGUMENT (never UNKNOWN, never a crash),
// unimplemented RPCs answer UNIMPLEMENTED, --require-auth wants a bearer token, and the
// standalone entry parses flags → env → defaults.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Client, credentials, Metadata, status } from '@grpc/grpc-js';
import type { v1 } from '@google-cloud/container';
import { parseEmulatorArgs } from '../../../src/emulator/standalone-options';
import type { RunningEmulator } from '../../../src/emulator';
import { client, clusterName, codeOf, emulator, parent, tempStateDir, waitOp } from '../../helpers/emulator';

let emu: RunningEmulator;
let c: v1.ClusterManagerClient;
before(async () => {
  emu = await emulator();
  c = client(emu);
});
after(async () => {
  await c.close();
  await emu.stop();
});

/** Sends raw bytes as a request, bypassing the client's encoding. */
function rawCall(
  port: number,
  rpc: string,
  bytes: Buffer,
  md = new Metadata(),
): Promise<{ code: number; details: string }> {
  const raw = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise((resolve) => {
    raw.makeUnaryRequest(
      `/google.container.v1.ClusterManager/${rpc}`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      md,
      (err) => {
        raw.close();
        resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '' });
      },
    );
  });
}

void test('undecodable bytes and wrong wire types get INVALID_ARGUMENT', async () => {
  const garbage = await rawCall(emu.port, 'GetCluster', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]));
  assert.equal(garbage.code, status.INVALID_ARGUMENT, garbage.details);
  // field 5 (name, a string) sent as a length-delimited field claiming 1000 bytes that are not there
  const truncated = await rawCall(emu.port, 'GetCluster', Buffer.from([0x2a, 0xe8, 0x07, 0x61]));
  assert.equal(truncated.code, status.INVALID_ARGUMENT, truncated.details);
  const empty = await rawCall(emu.port, 'CreateCluster', Buffer.alloc(0));
  assert.equal(empty.code, status.INVALID_ARGUMENT, `empty CreateCluster: ${empty.details}`);
});

void test('missing fields, wrong types and absurd sizes get INVALID_ARGUMENT naming the field', async () => {
  const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
    ['no name', () => c.getCluster({}), /^name/],
    ['no parent', () => c.listClusters({}), /^parent/],
    ['number as name', () => c.getCluster({ name: 42 as unknown as string }), /^name/],
    ['no node pool', () => c.createNodePool({ parent: clusterName('x') }), /nodePool|Not found/],
    ['no node count', () => c.setNodePoolSize({ name: `${clusterName('x')}/nodePools/p` }), /nodeCount|Not found/],
    [
      'max int node count',
      () => c.setNodePoolSize({ name: `${clusterName('x')}/nodePools/p`, nodeCount: 2 ** 31 - 1 }),
      /nodeCount/,
    ],
    [
      '5 MB cluster name',
      () => c.createCluster({ parent: parent(), cluster: { name: 'a'.repeat(5 << 20) } }),
      /cluster\.name/,
    ],
    [
      '10,000 node pools',
      () =>
        c.createCluster({
          parent: parent(),
          cluster: {
            name: 'many',
            nodePools: Array.from({ length: 10_000 }, (_, i) => ({ name: `p${i}`, initialNodeCount: 1 })),
          },
        }),
      /nodePools/,
    ],
    [
      '100 labels',
      () =>
        c.createCluster({
          parent: parent(),
          cluster: {
            name: 'lbl',
            resourceLabels: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, 'v'])),
          },
        }),
      /resourceLabels/,
    ],
    [
      'huge disk',
      () =>
        c.createCluster({
          parent: parent(),
          cluster: {
            name: 'disk',
            nodePools: [{ name: 'p', initialNodeCount: 1, config: { diskSizeGb: 10_000_000 } }],
          },
        }),
      /diskSizeGb/,
    ],
    ['no fingerprint', () => c.setLabels({ name: clusterName('x'), resourceLabels: {} }), /labelFingerprint/],
    ['no operation name', () => c.getOperation({}), /^name/],
  ];
  for (const [why, call, field] of cases) {
    const err = (await call().then(
      () => assert.fail(`${why}: accepted`),
      (e: unknown) => e,
    )) as { code: number; details: string };
    if (err.code === status.NOT_FOUND) continue; // parsed fine; the cluster does not exist
    assert.equal(err.code, status.INVALID_ARGUMENT, `${why}: ${err.code} ${err.details}`);
    assert.match(err.details, field, why);
  }
  // the emulator is still serving
  await waitOp(c, (await c.createCluster({ parent: parent(), cluster: { name: 'alive' } }))[0]);
});

void test('RPCs outside the implemented set answer UNIMPLEMENTED', async () => {
  assert.equal(await codeOf(c.setLegacyAbac({ name: clusterName('alive'), enabled: true })), status.UNIMPLEMENTED);
  assert.equal(await codeOf(c.startIPRotation({ name: clusterName('alive') })), status.UNIMPLEMENTED);
  assert.equal(await codeOf(c.setMasterAuth({ name: clusterName('alive') })), status.UNIMPLEMENTED);
});

void test('--require-auth rejects calls without a bearer token and accepts the client with one', async () => {
  const secured = await emulator({ requireAuth: true });
  const anon = client(secured);
  assert.equal(await codeOf(anon.listClusters({ parent: parent() })), status.UNAUTHENTICATED);
  const headers = { otherArgs: { headers: { authorization: 'Bearer test-token' } } };
  await anon.listClusters({ parent: parent() }, headers);
  // Or once for every call, with grpc-js's call invocation transformer (see docs/emulator.md).
  const withToken = client(secured, {
    'grpc.callInvocationTransformer': (props: { metadata: Metadata }) => {
      props.metadata.set('authorization', 'Bearer test-token');
      return props;
    },
  });
  await withToken.listClusters({ parent: parent() });
  await anon.close();
  await withToken.close();
  await secured.stop();

  const fixed = await emulator({ requireAuth: 's3cret' });
  const wrong = client(fixed);
  assert.equal(
    await codeOf(
      wrong.listClusters({ parent: parent() }, { otherArgs: { headers: { authorization: 'Bearer guess' } } }),
    ),
    status.UNAUTHENTICATED,
  );
  await wrong.listClusters({ parent: parent() }, { otherArgs: { headers: { authorization: 'Bearer s3cret' } } });
  await wrong.close();
  await fixed.stop();
});

void test('a taken port is refused with an error naming the env var', async () => {
  await assert.rejects(
    emulator({ port: emu.port }),
    (e: Error) => e.name === 'EmulatorPortInUseError' && /GKEFLOW_EMULATOR_PORT/.test(e.message),
  );
  await assert.rejects(emulator({ adminPort: emu.adminPort }), /GKEFLOW_EMULATOR_ADMIN_PORT/);
});

void test('options: flags beat env beat defaults; bad values name the flag or variable', () => {
  const d = parseEmulatorArgs([], {});
  assert.equal(d.port, 8090);
  assert.equal(d.adminPort, 8091);
  assert.equal(d.controlPlane, 'kwok');
  const e = parseEmulatorArgs(['--port', '9000'], {
    GKEFLOW_EMULATOR_PORT: '9100',
    GKEFLOW_EMULATOR_ADMIN_PORT: '9101',
    GKEFLOW_EMULATOR_CONTROL_PLANE: 'none',
    GKEFLOW_EMULATOR_REQUIRE_AUTH: 'tok',
  });
  assert.deepEqual([e.port, e.adminPort, e.controlPlane, e.requireAuth], [9000, 9101, 'none', 'tok']);
  assert.equal(parseEmulatorArgs(['--require-auth'], {}).requireAuth, true);
  assert.throws(() => parseEmulatorArgs(['--bogus'], {}), /unknown flag --bogus/);
  assert.throws(() => parseEmulatorArgs([], { GKEFLOW_EMULATOR_PORT: 'x' }), /GKEFLOW_EMULATOR_PORT/);
  assert.throws(() => parseEmulatorArgs(['--control-plane', 'docker'], {}), /--control-plane/);
  const data = parseEmulatorArgs(['--delays', '{"createCluster": 100}'], {
    GKEFLOW_EMULATOR_FAULTS: '[{"rpc": "GetCluster", "code": "UNAVAILABLE", "count": 1}]',
  });
  assert.equal(data.delays?.createCluster, 100);
  assert.equal(data.faults?.[0]?.rpc, 'GetCluster');
  assert.throws(
    () => parseEmulatorArgs([], { GKEFLOW_EMULATOR_DELAYS: '{"createCluster": -5}' }),
    /GKEFLOW_EMULATOR_DELAYS: delays.createCluster/,
  );
  assert.throws(
    () => parseEmulatorArgs(['--faults', '[{"rpc": "X", "code": "WAT"}]'], {}),
    /--faults: faults\[\]\.code/,
  );
});

void test('the standalone entry serves on loopback, stops on SIGTERM, and exits 2 on a bad flag', async () => {
  const main = path.join(__dirname, '..', '..', '..', 'src', 'emulator', 'main.ts');
  const bad = spawn(process.execPath, ['--import', 'tsx', main, '--nope'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  bad.stderr.on('data', (b: Buffer) => (err += b.toString()));
  assert.equal(await new Promise((r) => bad.on('close', r)), 2);
  assert.match(err.trim(), /^gke-emulator: unknown flag --nope/);

  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      main,
      '--port',
      '0',
      '--admin-port',
      '0',
      '--control-plane',
      'none',
      '--state-dir',
      tempStateDir(),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /ClusterManager on 127\.0\.0\.1:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('close', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const standalone = client({ port });
    const [cfg] = await standalone.getServerConfig({ name: parent() });
    assert.ok(cfg.defaultClusterVersion);
    await standalone.close();
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await new Promise((r) => child.on('close', r)), 0);
});
