/**
 * A real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler) with simulated nodes and pods, made by `kwokctl --runtime binary` from the
 * toolchain's binaries. Everything listens on 127.0.0.1; kwokctl's state lives under the
 * caller's `workdir` (KWOK_WORKDIR), never in ~/.kwok, and no kubeconfig outside it is touched.
 *
 * Layout: `<workdir>/clusters/<name>/` holds kwok.yaml (config + Stages), kubeconfig.yaml,
 * pki/, etcd/, logs/ and pids/ (one pid file per component process).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import YAML from 'yaml';
import { addKwokNodes, waitForKwokNodesReady, type KwokNodeSpec } from './kwok-nodes';
import { stopProcess } from '../../process/process';
import { kwokClusterProcesses, pidFiles, pidRunsBinary, reservePorts, restrictCredentials } from './kwok-process';
import { kwokStages, type LoadBalancerTimings } from './kwok-stages';

/** Absolute paths of the binaries a kwok cluster runs (a subset of the toolchain's). */
export type KwokToolchain = Record<
  'kwokctl' | 'kwok' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'etcd' | 'kubectl',
  string
>;

/** Names one kwok cluster: its name and the KWOK_WORKDIR it lives in. */
export interface KwokClusterRef {
  /** kwok cluster name: lowercase letters, digits and hyphens. */
  name: string;
  /** KWOK_WORKDIR: the cluster lives in `<workdir>/clusters/<name>`. */
  workdir: string;
  toolchain: KwokToolchain;
}

export interface CreateKwokClusterOptions extends KwokClusterRef {
  /** Nodes to create once the API server serves (default none). */
  nodes?: KwokNodeSpec[];
  /** Delays of the LoadBalancer Stages (see kwok-stages.ts). */
  loadBalancer?: LoadBalancerTimings;
  /**
   * YAML documents (kwok Stages) that replace gkeflow's Stage set. kwok runs only these, so they
   * must carry node and pod stages too. Default: kwokStages(loadBalancer).
   */
  stagesConfig?: string;
  /** How long create may take before it is abandoned and cleaned up (default 3 min). */
  timeoutMs?: number;
  /**
   * A kube-apiserver `--token-auth-file` (CSV: token,user,uid,"groups"), read at each start: the
   * API then accepts those bearer tokens beside client certificates, and refuses requests with
   * neither (`--anonymous-auth=false`, 401). The file must exist whenever the cluster starts.
   */
  tokenAuthFile?: string;
}

/** How to reach a kwok cluster. The *Data fields are base64 PEM, as in a kubeconfig or GKE's masterAuth. */
export interface KwokCluster {
  name: string;
  workdir: string;
  /** `<workdir>/clusters/<name>` */
  dir: string;
  /** kwokctl's kubeconfig for this cluster (certificate paths inside `dir`); for kubectl --kubeconfig. */
  kubeconfigPath: string;
  /** `https://127.0.0.1:<port>` */
  server: string;
  caData: string;
  clientCertData: string;
  clientKeyData: string;
  /** The kube-apiserver's `--token-auth-file`, when it was created with one. */
  tokenAuthFile?: string;
}

/** Thrown by the kwok functions when kwokctl fails or a cluster does not come up; carries the log tail. */
export class KwokClusterError extends Error {
  constructor(
    readonly cluster: string,
    message: string,
  ) {
    super(`kwok cluster ${cluster}: ${message}`);
    this.name = 'KwokClusterError';
  }
}

const NAME_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const COMPONENT_PORTS = [
  'etcdPort',
  'etcdPeerPort',
  'kubeApiserverPort',
  'kwokControllerPort',
  'kubeControllerManagerPort',
  'kubeSchedulerPort',
] as const;

/** `<workdir>/clusters/<name>` */
export const kwokClusterDir = (ref: Pick<KwokClusterRef, 'name' | 'workdir'>) =>
  path.join(ref.workdir, 'clusters', ref.name);

/**
 * Creates and starts a cluster with the given nodes and waits until they are Ready.
 * On failure everything it started is stopped and removed again.
 */
export async function createKwokCluster(o: CreateKwokClusterOptions): Promise<KwokCluster> {
  if (!NAME_RE.test(o.name)) throw new KwokClusterError(o.name, 'name must be lowercase letters, digits and hyphens');
  if (fs.existsSync(path.join(kwokClusterDir(o), 'kwok.yaml')))
    throw new KwokClusterError(o.name, `already exists in ${o.workdir}`);
  fs.mkdirSync(o.workdir, { recursive: true });
  const timeoutMs = o.timeoutMs ?? 180_000;
  const configPath = path.join(o.workdir, `.${o.name}.kwokctl.yaml`);
  fs.writeFileSync(configPath, await kwokctlConfig(o));
  try {
    await kwokctl(
      o,
      [
        'create',
        'cluster',
        '--runtime',
        'binary',
        '--config',
        configPath,
        '--kubeconfig',
        '',
        '--timeout',
        `${Math.ceil(timeoutMs / 1000)}s`,
      ],
      timeoutMs + 10_000,
    );
    restrictCredentials(kwokClusterDir(o));
    const cluster = readKwokCluster(o);
    if (o.nodes?.length) {
      const kc = kwokKubeConfig(cluster);
      await addKwokNodes(kc, o.nodes);
      await waitForKwokNodesReady(
        kc,
        o.nodes.map((n) => n.name),
        60_000,
      );
    }
    return cluster;
  } catch (e) {
    const tail = logTail(o);
    await deleteKwokCluster(o).catch(() => {});
    throw e instanceof KwokClusterError ? e : new KwokClusterError(o.name, `${(e as Error).message}${tail}`);
  } finally {
    fs.rmSync(configPath, { force: true });
  }
}

/** Stops the cluster's processes and removes its directory. A cluster that does not exist counts as deleted. */
export async function deleteKwokCluster(ref: KwokClusterRef): Promise<void> {
  const dir = kwokClusterDir(ref);
  if (!fs.existsSync(dir)) return;
  await stopKwokCluster(ref);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Stops the cluster's processes, keeping its state (etcd data, pki) for startKwokCluster. */
export async function stopKwokCluster(ref: KwokClusterRef): Promise<void> {
  if (!fs.existsSync(path.join(kwokClusterDir(ref), 'kwok.yaml'))) return;
  // Only pids that run the component's own binary, identified by start time too: a pid file
  // from before a reboot may name an unrelated process now.
  const procs = kwokClusterProcesses(kwokClusterDir(ref));
  await kwokctl(ref, ['stop', 'cluster'], 60_000).catch(() => {});
  // kwokctl sends SIGTERM and forgets the pid; make sure nothing outlives the stop.
  await Promise.all(procs.map((p) => stopProcess(p)));
  for (const f of pidFiles(kwokClusterDir(ref))) fs.rmSync(f, { force: true });
}

/**
 * Starts a stopped cluster again (e.g. after a reboot) and waits until its API server serves.
 *
 * kwok holds each node's Lease under a random identity per process; a restarted kwok would wait
 * for the old Leases to expire (minutes) before it manages those nodes and their pods again. So
 * the Leases are deleted and kwok is started once more, and it takes the nodes over at once.
 */
export async function startKwokCluster(ref: KwokClusterRef, timeoutMs = 120_000): Promise<KwokCluster> {
  if (!fs.existsSync(path.join(kwokClusterDir(ref), 'kwok.yaml')))
    throw new KwokClusterError(ref.name, `does not exist in ${ref.workdir}`);
  // A pid file from before a reboot may name an unrelated process; kwokctl would then skip the start.
  for (const f of pidFiles(kwokClusterDir(ref))) if (!pidRunsBinary(f)) fs.rmSync(f, { force: true });
  const start = () =>
    kwokctl(ref, ['start', 'cluster', '--timeout', `${Math.ceil(timeoutMs / 1000)}s`], timeoutMs + 10_000).catch(
      (e: Error) => {
        throw new KwokClusterError(ref.name, `${e.message}${logTail(ref)}`);
      },
    );
  await start();
  const cluster = readKwokCluster(ref);
  const kwokPidFile = path.join(kwokClusterDir(ref), 'pids', 'kwok-controller.pid');
  for (const p of kwokClusterProcesses(kwokClusterDir(ref), 'kwok-controller')) await stopProcess(p);
  fs.rmSync(kwokPidFile, { force: true });
  await kwokKubeConfig(cluster)
    .makeApiClient(CoordinationV1Api)
    .deleteCollectionNamespacedLease({ namespace: 'kube-node-lease' });
  await start();
  return cluster;
}

/** Connection details of an existing cluster, read from its directory. */
export function readKwokCluster(ref: Pick<KwokClusterRef, 'name' | 'workdir'>): KwokCluster {
  const dir = kwokClusterDir(ref);
  const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(dir, 'kwok.yaml'), 'utf8')).map(
    (d) => d.toJS() as KwokctlConfiguration,
  );
  const config = docs.find((d) => d.kind === 'KwokctlConfiguration');
  const port = config?.options?.kubeApiserverPort;
  if (!port) throw new KwokClusterError(ref.name, `no kubeApiserverPort in ${dir}/kwok.yaml`);
  const b64 = (f: string) => fs.readFileSync(path.join(dir, 'pki', f)).toString('base64');
  const tokenAuthFile = tokenAuthFileOf(config);
  return {
    name: ref.name,
    workdir: ref.workdir,
    dir,
    kubeconfigPath: path.join(dir, 'kubeconfig.yaml'),
    server: `https://127.0.0.1:${port}`,
    caData: b64('ca.crt'),
    clientCertData: b64('admin.crt'),
    clientKeyData: b64('admin.key'),
    ...(tokenAuthFile ? { tokenAuthFile } : {}),
  };
}

/** The parts of kwok.yaml's KwokctlConfiguration read back. */
interface KwokctlConfiguration {
  kind?: string;
  options?: { kubeApiserverPort?: number };
  componentsPatches?: Array<{ name?: string; extraArgs?: Array<{ key?: string; value?: string }> }>;
}

const tokenAuthFileOf = (config: KwokctlConfiguration | undefined) =>
  config?.componentsPatches
    ?.find((p) => p.name === 'kube-apiserver')
    ?.extraArgs?.find((a) => a.key === 'token-auth-file')?.value;

/** A @kubernetes/client-node KubeConfig for the cluster (admin client certificate). */
export function kwokKubeConfig(
  c: Pick<KwokCluster, 'name' | 'server' | 'caData' | 'clientCertData' | 'clientKeyData'>,
): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: c.name, server: c.server, caData: c.caData }],
    users: [{ name: `${c.name}-admin`, certData: c.clientCertData, keyData: c.clientKeyData }],
    contexts: [{ name: c.name, cluster: c.name, user: `${c.name}-admin` }],
    currentContext: c.name,
  });
  return kc;
}

/** Pids of the cluster's running processes (etcd, kube-apiserver, controller manager, scheduler, kwok). */
export function kwokClusterPids(ref: Pick<KwokClusterRef, 'name' | 'workdir'>): number[] {
  return kwokClusterProcesses(kwokClusterDir(ref)).map((p) => p.pid);
}

/** The kwokctl config: loopback everywhere, our binaries and ports, our Stages. */
async function kwokctlConfig(o: CreateKwokClusterOptions): Promise<string> {
  const ports = await reservePorts(o.workdir, COMPONENT_PORTS.length);
  const options: Record<string, unknown> = {
    runtime: 'binary',
    bindAddress: '127.0.0.1',
    securePort: true,
    kubeApiserverCertSANs: ['127.0.0.1', 'localhost'],
    disableQPSLimits: true,
    kubeApiserverBinary: o.toolchain['kube-apiserver'],
    kubeControllerManagerBinary: o.toolchain['kube-controller-manager'],
    kubeSchedulerBinary: o.toolchain['kube-scheduler'],
    kwokControllerBinary: o.toolchain.kwok,
    etcdBinary: o.toolchain.etcd,
    kubectlBinary: o.toolchain.kubectl,
  };
  COMPONENT_PORTS.forEach((k, i) => (options[k] = ports[i]));
  // GKE's API server runs ExtendedResourceToleration: a pod asking for nvidia.com/gpu gets the
  // toleration of GKE's GPU node taint (nvidia.com/gpu=present:NoSchedule) on admission.
  const componentsPatches = [
    {
      name: 'kube-apiserver',
      extraArgs: [
        { key: 'enable-admission-plugins', value: 'ExtendedResourceToleration' },
        ...(o.tokenAuthFile
          ? [
              { key: 'token-auth-file', value: o.tokenAuthFile },
              { key: 'anonymous-auth', value: 'false' },
            ]
          : []),
      ],
    },
  ];
  const head = YAML.stringify({
    apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
    kind: 'KwokctlConfiguration',
    options,
    componentsPatches,
  });
  const stages =
    o.stagesConfig ??
    kwokStages(o.loadBalancer)
      .map((s) => YAML.stringify(s))
      .join('---\n');
  return `${head}---\n${stages}`;
}

function kwokctl(ref: KwokClusterRef, args: string[], timeoutMs: number): Promise<string> {
  const env = { ...process.env, KWOK_WORKDIR: ref.workdir };
  return new Promise((resolve, reject) => {
    execFile(
      ref.toolchain.kwokctl,
      [...args, '--name', ref.name],
      { env, timeout: timeoutMs, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err)
          reject(
            new KwokClusterError(
              ref.name,
              `kwokctl ${args.slice(0, 2).join(' ')} failed: ${(stderr || err.message).trim().split('\n').slice(-8).join('\n')}`,
            ),
          );
        else resolve(stdout);
      },
    );
  });
}

function logTail(ref: Pick<KwokClusterRef, 'name' | 'workdir'>): string {
  const dir = path.join(kwokClusterDir(ref), 'logs');
  if (!fs.existsSync(dir)) return '';
  const parts = fs.readdirSync(dir).map((f) => {
    const file = path.join(dir, f);
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(Math.min(size, 2048));
    fs.readSync(fd, buf, 0, buf.length, size - buf.length);
    fs.closeSync(fd);
    return `--- ${f}\n${buf.toString('utf8').trim().split('\n').slice(-5).join('\n')}`;
  });
  return parts.length ? `\n${parts.join('\n')}` : '';
}
