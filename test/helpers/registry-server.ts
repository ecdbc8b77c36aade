/**
 * A real CNCF distribution registry for tests: the cached toolchain binary on a free loopback
 * port with a temp storage dir, using the stack's own config. Stopped by stop().
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registryConfig } from '../../src/stack/services';
import { ensureToolchain } from '../../src/toolchain/toolchain';
import { freePort, startProcess, stopProcess, waitUntil } from '../../src/process/process';

export interface TestRegistry {
  /** host:port */
  address: string;
  dir: string;
  stop(): Promise<void>;
}

/** Starts a registry; extraConfig lines are appended to its YAML config (e.g. an auth section). */
export async function startTestRegistry(extraConfig = ''): Promise<TestRegistry> {
  const tc = await ensureToolchain({ only: ['registry'], log: (l) => console.error(`[toolchain] ${l}`) });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-registry-'));
  const port = await freePort();
  const file = path.join(dir, 'registry.yml');
  fs.writeFileSync(file, registryConfig(port, path.join(dir, 'storage')) + extraConfig);
  const pid = startProcess({
    cmd: tc.registry,
    args: ['serve', file],
    logFile: path.join(dir, 'registry.log'),
    env: { ...process.env, OTEL_TRACES_EXPORTER: 'none' },
    detached: false,
  });
  const up = await waitUntil(async () => (await fetch(`http://127.0.0.1:${port}/v2/`)).status < 500, 20_000, 100);
  if (!up) {
    await stopProcess(pid);
    throw new Error(`registry did not start: ${fs.readFileSync(path.join(dir, 'registry.log'), 'utf8').slice(-2000)}`);
  }
  return {
    address: `127.0.0.1:${port}`,
    dir,
    stop: async () => {
      await stopProcess(pid, 5000);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
