/**
 * Process and port plumbing of kwok clusters: free loopback ports for a new cluster, the pid
 * files kwokctl writes. Processes are checked and stopped with src/process/process.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { canBind, processIdentity, type ProcessIdentity } from '../../process/process';

// Ports handed out by this process and not yet visible in a kwok.yaml (clusters being created).
const reserved = new Set<number>();

/**
 * Free loopback ports below the ephemeral range (so an outgoing connection cannot take one
 * first), skipping those of every cluster in the workdir, running or stopped, so a stopped
 * cluster can start again on its ports.
 */
export async function reservePorts(workdir: string, n: number): Promise<number[]> {
  const taken = portsInWorkdir(workdir);
  const out: number[] = [];
  while (out.length < n) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (reserved.has(port) || taken.has(port) || !(await canBind(port))) continue;
    reserved.add(port);
    out.push(port);
  }
  // Once kwok.yaml is written they are found by portsInWorkdir; forget them after create.
  setTimeout(() => out.forEach((p) => reserved.delete(p)), 600_000).unref();
  return out;
}

function portsInWorkdir(workdir: string): Set<number> {
  const ports = new Set<number>();
  const root = path.join(workdir, 'clusters');
  if (!fs.existsSync(root)) return ports;
  for (const name of fs.readdirSync(root)) {
    const file = path.join(root, name, 'kwok.yaml');
    if (!fs.existsSync(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s+\w+Port: (\d+)$/gm)) ports.add(Number(m[1]));
  }
  return ports;
}

/** The pid files of the cluster in `dir` (`<dir>/pids/<component>.pid`). */
export function pidFiles(dir: string): string[] {
  dir = path.join(dir, 'pids');
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.pid'))
        .map((f) => path.join(dir, f))
    : [];
}

/** Whether the pid in a pid file runs the component's binary (`<dir>/bin/<component>`, a symlink into the toolchain). */
export function pidRunsBinary(pidFile: string): boolean {
  try {
    const pid = fs.readFileSync(pidFile, 'utf8').trim();
    const bin = path.join(path.dirname(path.dirname(pidFile)), 'bin', path.basename(pidFile, '.pid'));
    return fs.readlinkSync(`/proc/${pid}/exe`) === fs.realpathSync(bin);
  } catch {
    return false;
  }
}

/**
 * The running processes of the cluster in `dir` (optionally one component), each identified by
 * pid, executable and start time: only pids that run the component's own binary count.
 */
export function kwokClusterProcesses(dir: string, component?: string): ProcessIdentity[] {
  return pidFiles(dir)
    .filter((f) => !component || path.basename(f, '.pid') === component)
    .filter(pidRunsBinary)
    .map((f) => processIdentity(Number(fs.readFileSync(f, 'utf8').trim())))
    .filter((p): p is ProcessIdentity => p !== undefined);
}

/** Files of a cluster directory that hold a credential (client and CA keys, kubeconfigs that embed them). */
const CREDENTIAL_FILES = ['kubeconfig.yaml', 'kubeconfig', 'pki/admin.key', 'pki/ca.key'];

/** Makes the cluster's credentials readable by the owner only (kwokctl writes them 0644). */
export function restrictCredentials(dir: string): void {
  for (const f of CREDENTIAL_FILES) {
    const p = path.join(dir, f);
    if (fs.existsSync(p)) fs.chmodSync(p, 0o600);
  }
}
