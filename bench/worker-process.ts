// The worker of a bench, in a child process of its own (so its RSS is the worker's alone), and
// what both sides need: the parent reads the child's lines (`READY`, `PEAK {json}`, …), the child
// samples its memory (RSS with its parts at the peak) and, when asked, writes heap snapshots of
// its main thread and of the workflow thread the Temporal worker runs the workflows in.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import v8 from 'node:v8';
import worker_threads from 'node:worker_threads';
import { withWorkerProcessEnv } from '../src/config/worker-settings';
import { summarizeHeapSnapshot, type HeapSummary } from './heap-summary';

/**
 * The parent's side: the child's stdout lines, awaited by prefix. The child runs with the process
 * environment the worker image gives `gkeflow worker` (WORKER_PROCESS_ENV: malloc arenas, V8's
 * young generation), its NODE_OPTIONS after any the caller has.
 */
export function startWorkerProcess(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { child: ChildProcessByStdio<Writable, Readable, null>; line(prefix: string): Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: withWorkerProcessEnv(env),
  });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  readline.createInterface({ input: child.stdout }).on('line', (l) => {
    lines.push(l);
    waiters.splice(0).forEach((w) => w());
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
    waiters.splice(0).forEach((w) => w());
  });
  const line = async (prefix: string) => {
    for (;;) {
      const l = lines.find((x) => x.startsWith(prefix));
      if (l) return l.slice(prefix.length).trim();
      if (exited) throw new Error(`the worker process exited before printing ${prefix}`);
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  return { child, line };
}

/** A free loopback port (for the child's Prometheus endpoint). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** The process's memory at one moment, in bytes: RSS and the main thread's V8 parts. */
export interface MemorySample {
  rss: number;
  /** Anonymous (heaps, malloc) and file-backed (code, the native module) resident memory, from /proc. */
  rssAnon: number;
  rssFile: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

function statusKiB(status: string, key: string): number {
  return Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
}

export function memorySample(): MemorySample {
  const m = process.memoryUsage();
  let status = '';
  try {
    status = fs.readFileSync('/proc/self/status', 'utf8');
  } catch {
    // not Linux: the /proc parts stay 0
  }
  return {
    rss: m.rss,
    rssAnon: statusKiB(status, 'RssAnon'),
    rssFile: statusKiB(status, 'RssFile'),
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
  };
}

/** Samples memory every periodMs; `peak()` is the sample with the highest RSS so far. */
export function memoryPeak(periodMs = 100): { peak(): MemorySample; stop(): MemorySample } {
  let peak = memorySample();
  const take = () => {
    const s = memorySample();
    if (s.rss > peak.rss) peak = s;
  };
  const t = setInterval(take, periodMs);
  return {
    peak: () => peak,
    stop() {
      clearInterval(t);
      take();
      return peak;
    },
  };
}

export const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/** `rss 512 MB = anon 430 + file 82; main-thread V8 heap 60 used / 80 total; external 12; arrayBuffers 3`. */
export function describeSample(s: MemorySample): string {
  const n = (b: number) => (b / 1e6).toFixed(0);
  return (
    `RSS ${mb(s.rss)} (anonymous ${n(s.rssAnon)}, file-backed ${n(s.rssFile)}); main-thread V8 heap ${n(s.heapUsed)} used of ` +
    `${n(s.heapTotal)} MB, external ${n(s.external)} MB, array buffers ${n(s.arrayBuffers)} MB`
  );
}

const threads: worker_threads.Worker[] = [];
/**
 * Remembers every worker thread started from now on (the Temporal worker runs workflows in one),
 * so heapSnapshots can reach them. Call before Worker.create.
 */
export function captureWorkerThreads(): void {
  const Original = worker_threads.Worker;
  (worker_threads as { Worker: typeof Original }).Worker = class extends Original {
    constructor(...a: ConstructorParameters<typeof Original>) {
      super(...a);
      threads.push(this);
    }
  };
}

/** Writes heap snapshots of the main thread and every captured worker thread into dir; returns their summaries. */
export async function heapSnapshots(dir: string, tag: string): Promise<Array<{ thread: string } & HeapSummary>> {
  fs.mkdirSync(dir, { recursive: true });
  const out: Array<{ thread: string } & HeapSummary> = [];
  const main = v8.writeHeapSnapshot(path.join(dir, `${tag}-main.heapsnapshot`));
  out.push({ thread: 'main', ...summarizeHeapSnapshot(main) });
  for (const [i, t] of threads.entries()) {
    const file = path.join(dir, `${tag}-workflow-thread-${i}.heapsnapshot`);
    const stream = await t.getHeapSnapshot();
    await new Promise<void>((resolve, reject) =>
      stream.pipe(fs.createWriteStream(file)).on('finish', resolve).on('error', reject),
    );
    out.push({ thread: `workflow thread ${i}`, ...summarizeHeapSnapshot(file) });
  }
  return out;
}
