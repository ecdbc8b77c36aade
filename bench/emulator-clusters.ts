// GKE emulator figures for docs/emulator.md, with kwok control planes and zero injected delay:
//  1. time to create one cluster (CreateCluster → operation DONE, nodes Ready), median of --runs;
//  2. RSS per cluster (sum of VmRSS over the cluster's processes, after a settle);
//  3. --concurrent clusters created at once: wall time, and peak memory sampled every 200 ms
//     (RSS of all control-plane processes + the emulator; and the machine's used memory delta).
//     RSS counts pages shared between processes once per process; PSS splits them.
// Usage: npx tsx bench/emulator-clusters.ts [--runs 3] [--concurrent 5] [--nodes 3]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { v1 } from '@google-cloud/container';
import { grpc } from 'google-gax';
import { KWOK_TOOLCHAIN_COMPONENTS, ZERO_DELAYS } from '../src/emulator';
import { kwokClusterPids } from '../src/emulator/runtime/kwok-cluster';
import { startLocalEmulator } from '../src/stack/local-emulator';
import { ensureToolchain } from '../src/toolchain/toolchain';
import { commandOf, row } from './report';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const rssKiB = (pid: number) => {
  try {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
};
/** Proportional set size: shared pages (the same binary run by 5 clusters) split between the sharers. */
const pssKiB = (pid: number) => {
  try {
    return Number(/^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
};
const usedKiB = () => {
  const m = fs.readFileSync('/proc/meminfo', 'utf8');
  const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(m)?.[1] ?? 0);
  return get('MemTotal') - get('MemAvailable');
};
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(): Promise<void> {
  const runs = arg('runs', 3);
  const concurrent = arg('concurrent', 5);
  const nodes = arg('nodes', 3);
  const toolchain = await ensureToolchain({ only: [...KWOK_TOOLCHAIN_COMPONENTS] });
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-emu-bench-'));
  const workdir = path.join(stateDir, 'kwok');
  const emu = await startLocalEmulator({
    stateDir,
    toolchain: () => Promise.resolve(toolchain),
    delays: ZERO_DELAYS,
    quotas: { clustersPerProject: 100, nodesPerProject: 1000 },
  });
  const c = new v1.ClusterManagerClient({
    apiEndpoint: '127.0.0.1',
    port: emu.port,
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: 'googleapis.com',
    projectId: 'bench-project',
  });
  const parent = 'projects/bench-project/locations/us-central1-a';
  const create = async (name: string) => {
    const t0 = Date.now();
    const [op] = await c.createCluster({ parent, cluster: { name, initialNodeCount: nodes } });
    for (;;) {
      const [o] = await c.getOperation({ name: `${parent}/operations/${op.name}` });
      if (o.status === 'DONE') {
        if (o.error) throw new Error(`${name}: ${o.error.message}`);
        return Date.now() - t0;
      }
      await sleep(50);
    }
  };
  const clusterPids = () =>
    fs.readdirSync(path.join(workdir, 'clusters')).flatMap((name) => kwokClusterPids({ name, workdir }));
  const reset = async () => {
    // The admin endpoint takes changes as JSON only (a form POST from a web page must not reset).
    const res = await fetch(`http://127.0.0.1:${emu.adminPort}/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    if (!res.ok) throw new Error(`POST /reset answered ${res.status}: ${await res.text()}`);
  };
  try {
    const times: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < runs; i++) {
      times.push(await create(`single-${i}`));
      await sleep(10_000);
      rss.push(clusterPids().reduce((s, p) => s + rssKiB(p), 0));
      await reset();
    }
    times.sort((a, b) => a - b);
    rss.sort((a, b) => a - b);
    console.log(
      `create one cluster (${nodes} nodes, zero injected delay): median ${(times[Math.floor(runs / 2)]! / 1000).toFixed(1)} s  [${times.map((t) => (t / 1000).toFixed(1)).join(', ')}]`,
    );
    console.log(`RSS per cluster after 10 s: median ${mib(rss[Math.floor(runs / 2)]!)}  [${rss.map(mib).join(', ')}]`);

    const baseline = usedKiB();
    let peakRss = 0;
    let peakPss = 0;
    let peakUsed = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const pids = clusterPids();
        peakRss = Math.max(peakRss, pids.reduce((s, p) => s + rssKiB(p), 0) + rssKiB(process.pid));
        peakPss = Math.max(peakPss, pids.reduce((s, p) => s + pssKiB(p), 0) + pssKiB(process.pid));
        peakUsed = Math.max(peakUsed, usedKiB() - baseline);
        await sleep(200);
      }
    })();
    const t0 = Date.now();
    await Promise.all(Array.from({ length: concurrent }, (_, i) => create(`burst-${i}`)));
    const wall = Date.now() - t0;
    await sleep(10_000);
    sampling = false;
    await sampler;
    console.log(
      `${concurrent} clusters created concurrently: ${(wall / 1000).toFixed(1)} s wall; ` +
        `peak RSS (control planes + emulator) ${mib(peakRss)}, peak PSS ${mib(peakPss)}; ` +
        `peak machine memory in use above baseline ${mib(peakUsed)}`,
    );
    const perCluster = peakUsed / concurrent;
    const available = Number(/^MemAvailable:\s+(\d+)/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
    row({
      area: 'Local cloud',
      figure: `clusters one machine holds (from ${concurrent} created at once: machine memory in use per cluster)`,
      value: `≈ ${Math.floor((available + peakUsed) / perCluster)} clusters (${mib(perCluster)} each)`,
      anchor: `${mib(available + peakUsed)} available to them on this machine`,
      note:
        `${concurrent} clusters created concurrently in ${(wall / 1000).toFixed(1)} s wall; peak RSS ${mib(peakRss)}, PSS ${mib(peakPss)} ` +
        '(RSS counts the shared binaries once per process, machine memory in use counts them once); CPU, not memory, limits creation rate on 2 cores',
      command: commandOf('emulator-clusters.ts'),
    });
    row({
      area: 'Local cloud',
      figure: `one cluster through the GKE emulator (CreateCluster → operation DONE, ${nodes} nodes, zero injected delay)`,
      value: `${(times[Math.floor(runs / 2)]! / 1000).toFixed(1)} s median of ${runs}`,
      anchor: 'GKE: 3–10 min',
      goal: '≤ 5 s',
      met: times[Math.floor(runs / 2)]! <= 5000,
      note: `RSS per cluster after 10 s: median ${mib(rss[Math.floor(runs / 2)]!)}`,
      command: commandOf('emulator-clusters.ts'),
    });
    await reset();
  } finally {
    await c.close();
    await emu.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
