/**
 * The pods of the builtin demo image, run for real: one demo server process per ready pod, on a
 * free loopback port, told its pod name and given its container's environment; stopped when the
 * pod is deleted or no longer ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** A running demo pod: the port its server listens on (127.0.0.1). */
export interface DemoProcess {
  pod: string;
  port: number;
  child: ChildProcess;
}

const READY_RE = /serving pod .* on (?:127\.0\.0\.1|\[::\]|0\.0\.0\.0):(\d+)/;

/**
 * Starts the demo server for a pod with the container's environment (container-env.ts; HOSTNAME
 * is the pod's name, as in a container) and resolves once it listens (its first stdout line says where).
 */
export function startDemoProcess(
  binary: string,
  pod: string,
  env: ReadonlyMap<string, string> = new Map(),
  timeoutMs = 10_000,
): Promise<DemoProcess> {
  return new Promise((resolve, reject) => {
    // stdin is a pipe the server watches: if the emulator dies (even killed), it closes and the pod exits.
    const child = spawn(binary, ['--listen', '127.0.0.1:0', '--pod-name', pod, '--exit-with-stdin'], {
      env: { ...Object.fromEntries(env), HOSTNAME: pod },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`demo pod ${pod}: no listening line within ${timeoutMs} ms: ${out.trim()}`));
    }, timeoutMs);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = READY_RE.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve({ pod, port: Number(m[1]), child });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-2000)));
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo pod ${pod}: exited ${code}: ${out.trim()}`));
    });
  });
}

/** Stops a demo process: SIGTERM, then SIGKILL after a grace period; resolves when it is gone. */
export function stopDemoProcess(p: DemoProcess, graceMs = 3000): Promise<void> {
  const child = p.child;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
