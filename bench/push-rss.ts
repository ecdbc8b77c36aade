// Memory of a push: writes an OCI layout with one large layer (default 1 GiB), starts the local
// Artifact Registry's Docker endpoint (the CNCF registry behind the front that refuses chunked
// uploads), and pushes the layout with pushImage in a child process, which reports its peak RSS
// (the figure a worker pays for a push, whatever the layer size). Anchor: under 250 MB.
// --fail-once: the registry answers 503 half-way through the layer's first upload, so the figure
// includes a restarted upload (the client sends the layer again, whole, in a new session).
// Usage: npx tsx bench/push-rss.ts [--mib N] [--fail-once]
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { registryActivities } from '../src/activities/registry';
import { startRegistryFront } from '../src/emulator/artifact-registry';
import { MEDIA } from '../src/image/oci';
import { freePort, startProcess, stopProcess, waitUntil } from '../src/process/process';
import { registryConfig } from '../src/stack/services';
import { ensureToolchain } from '../src/toolchain/toolchain';
import { commandOf, row } from './report';

const LIMIT_MB = 250;
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

/** Writes a blob into the layout; returns its descriptor. `fill` streams the bytes 1 MiB at a time. */
async function writeBlob(dir: string, size: number, fill?: (i: number) => Buffer, bytes?: Buffer) {
  const tmp = path.join(dir, 'blob.tmp');
  const hash = crypto.createHash('sha256');
  const out = fs.createWriteStream(tmp);
  if (bytes) {
    hash.update(bytes);
    out.write(bytes);
  } else
    for (let i = 0; i * 2 ** 20 < size; i++) {
      const chunk = fill!(i);
      hash.update(chunk);
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
  await new Promise<void>((r) => out.end(() => r()));
  const digest = `sha256:${hash.digest('hex')}`;
  fs.renameSync(tmp, path.join(dir, 'blobs', 'sha256', digest.slice(7)));
  return { digest, size: bytes ? bytes.length : size };
}

async function writeLayout(dir: string, mib: number): Promise<void> {
  fs.mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  const seed = crypto.randomBytes(2 ** 20);
  const layer = await writeBlob(dir, mib * 2 ** 20, (i) => {
    const c = Buffer.from(seed);
    c.writeUInt32BE(i, 0); // every MiB differs
    return c;
  });
  const config = await writeBlob(dir, 0, undefined, Buffer.from('{"architecture":"amd64","os":"linux"}'));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.manifest,
      config: { mediaType: MEDIA.config, ...config },
      layers: [{ mediaType: MEDIA.layerGzip, ...layer }],
    }),
  );
  const m = await writeBlob(dir, 0, undefined, manifest);
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: MEDIA.manifest, ...m }] }),
  );
}

/**
 * A proxy before the registry that answers 503 to the first upload PATCH once half of `size`
 * bytes went through it, and forwards everything else; returns its address and a stop function.
 */
async function failHalfWayOnce(upstream: string, size: number) {
  let failed = false;
  let injected = false;
  const server = http.createServer((req, res) => {
    const [host, port] = upstream.split(':');
    const out = http.request({ host, port, path: req.url, method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', () => res.destroy());
    if (req.method !== 'PATCH' || failed) return void req.pipe(out);
    failed = true;
    let seen = 0;
    req.on('data', (c: Buffer) => {
      seen += c.length;
      if (seen < size / 2) return void out.write(c);
      if (res.headersSent) return;
      out.destroy();
      injected = true;
      res.writeHead(503, { 'content-type': 'application/json', connection: 'close' });
      res.end('{"errors":[{"code":"UNAVAILABLE","message":"injected half-way"}]}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    injected: () => injected,
    stop: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** The child: pushes the layout and prints its peak RSS in MB. */
async function child(layout: string, registry: string): Promise<void> {
  const { pushImage } = registryActivities({
    config: { target: 'local', emulatorAddress: '127.0.0.1:1', registryAddress: registry },
  });
  const baseRssMb = Math.round(process.memoryUsage().rss / 2 ** 20);
  const started = Date.now();
  const r = await pushImage({
    env: { id: 'bench', project: 'bench', location: 'l', cluster: 'c' },
    source: { kind: 'oci-layout', path: layout },
    repository: `${registry}/bench/push/big`,
    tag: 'v1',
  });
  const peak = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify({ peakRssMb: Math.round(peak), baseRssMb, bytes: r.bytesUploaded, ms: Date.now() - started }),
  );
}

async function main(): Promise<number> {
  const mib = arg('mib', 1024);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-push-rss-'));
  let pid: number | undefined;
  try {
    const layout = path.join(dir, 'layout');
    await writeLayout(layout, mib);
    const tc = await ensureToolchain({ only: ['registry'], log: (l) => console.error(`[toolchain] ${l}`) });
    const port = await freePort();
    fs.writeFileSync(path.join(dir, 'registry.yml'), registryConfig(port, path.join(dir, 'storage')));
    pid = startProcess({
      cmd: tc.registry,
      args: ['serve', path.join(dir, 'registry.yml')],
      logFile: path.join(dir, 'registry.log'),
      env: { ...process.env, OTEL_TRACES_EXPORTER: 'none' },
      detached: false,
    });
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/v2/`)).status === 200, 20_000, 100);
    const front = await startRegistryFront({ port: 0, backend: `http://127.0.0.1:${port}` });
    const failOnce = process.argv.includes('--fail-once');
    const proxy = failOnce ? await failHalfWayOnce(front.address, mib * 2 ** 20) : undefined;
    const out = await new Promise<string>((resolve, reject) => {
      const target = proxy?.address ?? front.address;
      const p = spawn(process.execPath, ['--import', 'tsx', __filename, '--child', layout, target], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      p.stdout.on('data', (d: Buffer) => (text += d.toString()));
      p.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`push failed (exit ${code})`))));
    });
    await proxy?.stop();
    if (proxy && !proxy.injected()) throw new Error('--fail-once: the upload never went through the failing proxy');
    await front.close();
    const r = JSON.parse(out.trim().split('\n').pop()!) as {
      peakRssMb: number;
      baseRssMb: number;
      bytes: number;
      ms: number;
    };
    const ok = r.peakRssMb < LIMIT_MB;
    console.log(
      `push of a ${mib} MiB layer${failOnce ? ' (its first upload failed half-way and was restarted)' : ''}: peak worker RSS ${r.peakRssMb} MB (anchor < ${LIMIT_MB} MB: ${ok ? 'ok' : 'OVER'}; ` +
        `${r.baseRssMb} MB before the push), ` +
        `${(r.bytes / 2 ** 20).toFixed(0)} MiB uploaded in ${(r.ms / 1000).toFixed(1)} s`,
    );
    row({
      area: 'Image push',
      figure: `peak worker RSS pushing one ${mib} MiB layer (the worker's push in a child process)`,
      value: `${r.peakRssMb} MB (${r.baseRssMb} MB before the push: +${r.peakRssMb - r.baseRssMb} MB)`,
      anchor: `${LIMIT_MB} MB (flat: independent of the layer's size)`,
      ratio: `${(r.peakRssMb / LIMIT_MB).toFixed(2)}×`,
      goal: 'RSS flat',
      met: ok,
      note: `${(r.bytes / 2 ** 20).toFixed(0)} MiB uploaded in ${(r.ms / 1000).toFixed(1)} s (${(r.bytes / 2 ** 20 / (r.ms / 1000)).toFixed(0)} MiB/s) through the Artifact Registry front; streamed 1 MiB at a time`,
      command: commandOf('push-rss.ts'),
    });
    // A missed goal is the row's verdict, not a failed benchmark (npm run bench counted it as both).
    return 0;
  } finally {
    if (pid) await stopProcess(pid, 5000);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child')
  child(process.argv[3]!, process.argv[4]!).catch((e) => {
    console.error(e);
    process.exit(1);
  });
else
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
