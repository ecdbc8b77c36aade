// The three sides of bench/overhead.ts (one walkthrough each), the settling between them, and the
// per-call client setup probe. Each side returns its steps in walkthrough order and its total.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import { FIELD_MANAGER } from '../src/activities/kube';
import { deploymentManifest, serviceManifest } from '../src/activities/kube-manifests';
import type {
  ApplyDeploymentInput,
  ApplyServiceInput,
  ResourceRef,
  ScaleDeploymentInput,
} from '../src/contract/workload-io';
import type { EnvRef } from '../src/contract/environment-id';
import type { GkeflowActivities } from '../src/contract/activities';
import { repoRoot } from '../src/paths';
import { validateSpec } from '../src/envspec';
import { envStatus, startEnvironment } from '../src/temporal/environments';
import { teardownUpdate } from '../src/contract/messages';
import type { BenchCloud, RecordedCall } from './cloud';
import { historyTimings } from './history';
import { median, sleep } from './report';

/**
 * A step's time. For gkeflow also `fn`, the time the activity function itself took, and the rest
 * (Temporal's own share) split: `dispatch` (scheduled → the function starts), `record` (the
 * function returns → ActivityTaskCompleted) and `next` (completed → the next step scheduled: the
 * workflow task in between).
 */
export interface Step {
  label: string;
  name: string;
  ms: number;
  fn?: number;
  dispatch?: number;
  record?: number;
  next?: number;
}

export interface SideRun {
  steps: Step[];
  total: number;
}

function spec(cluster: string) {
  const doc = YAML.parse(fs.readFileSync(path.join(repoRoot, 'examples/tensorflow-notebook.yaml'), 'utf8'));
  doc.cluster.name = cluster;
  return validateSpec(doc, cluster);
}

const label = (c: { name: string; args: unknown[] }) =>
  c.name === 'scaleDeployment' ? `scaleDeployment → ${(c.args[0] as ScaleDeploymentInput).replicas}` : c.name;

/** Labels made unique by occurrence (`checkHealth #2`), so the sides are compared step for step. */
function unique(steps: Step[]): Step[] {
  const seen = new Map<string, number>();
  return steps.map((s) => {
    const n = (seen.get(s.label) ?? 0) + 1;
    seen.set(s.label, n);
    return n > 1 ? { ...s, label: `${s.label} #${n}` } : s;
  });
}

/**
 * Waits until nothing is left of the last walkthrough: no cluster in the emulator and no kwok
 * control-plane process (they stop after DeleteCluster answers), then a short quiet second.
 */
async function settle(cloud: BenchCloud): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const { clusters } = (await (await fetch(`http://127.0.0.1:${cloud.emulator.adminPort}/clusters`)).json()) as {
      clusters: unknown[];
    };
    if (clusters.length === 0 && cloud.clusterPids().length === 0) break;
    await sleep(100);
  }
  await sleep(1000);
}

/** gkeflow: one walkthrough through the environment workflow; returns its steps and the calls its activities made. */
export async function viaGkeflow(cloud: BenchCloud, cluster: string): Promise<SideRun & { calls: RecordedCall[] }> {
  cloud.calls.length = 0;
  const s = await startEnvironment(cloud.client, cloud.cfg, spec(cluster));
  for (;;) {
    const st = await envStatus(cloud.client, s.envId);
    if (st.status?.phase === 'failed') throw new Error(`walkthrough failed: ${st.status.lastError}`);
    if (st.status?.phase === 'running' && st.status.stepsDone === st.status.stepsTotal) break;
    await sleep(100);
  }
  const calls = [...cloud.calls];
  const h = cloud.client.workflow.getHandle(s.envId, s.runId);
  const t = historyTimings(await h.fetchHistory());
  const done = t.activities.filter((a) => a.ms !== undefined);
  const pending = [...calls];
  const steps = unique(
    done.map((a, i) => {
      const j = pending.findIndex((c) => c.name === a.type);
      const c = j >= 0 ? pending.splice(j, 1)[0] : undefined;
      const after = done[i + 1];
      return {
        label: c ? label(c) : a.type,
        name: a.type,
        ms: a.ms!,
        fn: c?.ms,
        dispatch: c ? c.startedAt - a.scheduledAt : undefined,
        record: c ? a.completedAt! - (c.startedAt + c.ms) : undefined,
        next: after ? after.scheduledAt - a.completedAt! : undefined,
      };
    }),
  );
  const total = Math.max(...done.map((a) => a.completedAt!)) - t.startedAt;
  await h.executeUpdate(teardownUpdate, { args: [{ reason: 'bench' }] });
  await h.result();
  await settle(cloud);
  return { steps, total, calls };
}

/** The recorded run's LB IP (from) and this run's (to). */
interface IpSwap {
  from?: string;
  to?: string;
}
const recordedIp = (calls: RecordedCall[]): IpSwap => ({
  from: (calls.find((c) => c.name === 'waitForExternalIp')?.result as { ip?: string } | undefined)?.ip,
});

/** Makes one recorded call again; `ip` carries this run's load-balancer IP into later inputs (the probe's URL). */
async function call(activities: GkeflowActivities, c: RecordedCall, ip: IpSwap): Promise<number> {
  const args = ip.from && ip.to ? (JSON.parse(JSON.stringify(c.args).split(ip.from).join(ip.to)) as unknown[]) : c.args;
  const t0 = performance.now();
  const r = await new MockActivityEnvironment().run(
    activities[c.name] as (...a: unknown[]) => Promise<unknown>,
    ...args,
  );
  const ms = performance.now() - t0;
  if (c.name === 'waitForExternalIp') ip.to = (r as { ip: string }).ip;
  return ms;
}

/** Deletes the replayed environment's cluster (not measured) and waits until the machine has settled. */
async function cleanup(cloud: BenchCloud, calls: RecordedCall[]): Promise<void> {
  const env = (calls[0]!.args[0] as { env: EnvRef }).env;
  await new MockActivityEnvironment().run(cloud.activities.deleteCluster, { env });
  await settle(cloud);
}

/**
 * What one Kubernetes call costs in setup, on a live cluster: the kubeFor lookup (GetCluster →
 * endpoint, CA, credentials), and applyService as the activity runs it (lookup, a new client, a
 * new TLS connection, the apply) against the same apply over a client made once and reused.
 */
export interface SetupCost {
  kubeFor: number;
  activity: number;
  reused: number;
}

async function setupCost(cloud: BenchCloud, calls: RecordedCall[], rounds = 5): Promise<SetupCost> {
  const svc = calls.find((c) => c.name === 'applyService');
  if (!svc) return { kubeFor: NaN, activity: NaN, reused: NaN };
  const input = svc.args[0] as ApplyServiceInput;
  const time = async (f: () => Promise<unknown>) => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  const api = KubernetesObjectApi.makeApiClient(await cloud.clients.kubeFor(input.env));
  const manifest = serviceManifest(input);
  const apply = () => api.patch(manifest, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  await apply();
  const k: number[] = [];
  const a: number[] = [];
  const r: number[] = [];
  for (let i = 0; i < rounds; i++) {
    k.push(await time(() => cloud.clients.kubeFor(input.env)));
    a.push(await time(() => new MockActivityEnvironment().run(cloud.activities.applyService, input)));
    r.push(await time(apply));
  }
  return { kubeFor: median(k), activity: median(a), reused: median(r) };
}

/** The plain script: the same calls with the same inputs, one after another (then the setup probe, not counted). */
export async function viaPlainScript(
  cloud: BenchCloud,
  calls: RecordedCall[],
): Promise<SideRun & { setup: SetupCost }> {
  const steps: Step[] = [];
  const ip = recordedIp(calls);
  const t0 = performance.now();
  for (const c of calls) steps.push({ label: label(c), name: c.name, ms: await call(cloud.activities, c, ip) });
  const total = performance.now() - t0;
  const setup = await setupCost(cloud, calls);
  await cleanup(cloud, calls);
  return { steps: unique(steps), total, setup };
}

function sh(script: string, env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync('bash', ['-ec', script], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`shell step failed: ${script}\n${r.stderr}`);
  return performance.now() - t0;
}

/** The shell script: kubectl for the Kubernetes steps, the same client calls for the rest. */
export async function viaShell(cloud: BenchCloud, calls: RecordedCall[]): Promise<SideRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-overhead-sh-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  const k = cloud.kubectl;
  const steps: Step[] = [];
  const ip = recordedIp(calls);
  const t0 = performance.now();
  try {
    for (const c of calls) {
      const input = c.args[0] as { env: EnvRef };
      let ms: number;
      if (c.name === 'applyDeployment') {
        const d = input as ApplyDeploymentInput;
        fs.writeFileSync(path.join(dir, 'deploy.json'), JSON.stringify(deploymentManifest(d)));
        ms = sh(
          `${k} apply -f ${dir}/deploy.json >/dev/null; ${k} -n ${d.namespace} rollout status deploy/${d.name} --timeout=5m >/dev/null`,
          env,
        );
      } else if (c.name === 'applyService') {
        fs.writeFileSync(path.join(dir, 'svc.json'), JSON.stringify(serviceManifest(input as ApplyServiceInput)));
        ms = sh(`${k} apply -f ${dir}/svc.json >/dev/null`, env);
      } else if (c.name === 'waitForExternalIp') {
        const r = input as ResourceRef;
        const ipFile = path.join(dir, 'ip');
        ms = sh(
          `${k} -n ${r.namespace} wait --for=jsonpath='{.status.loadBalancer.ingress[0].ip}' svc/${r.name} --timeout=5m >/dev/null; ` +
            `${k} -n ${r.namespace} get svc/${r.name} -o jsonpath='{.status.loadBalancer.ingress[0].ip}' > ${ipFile}`,
          env,
        );
        ip.to = fs.readFileSync(ipFile, 'utf8').trim();
      } else if (c.name === 'scaleDeployment') {
        const s = input as ScaleDeploymentInput;
        ms = sh(
          `${k} -n ${s.namespace} scale deploy/${s.name} --replicas=${s.replicas} >/dev/null; ${k} -n ${s.namespace} rollout status deploy/${s.name} --timeout=5m >/dev/null`,
          env,
        );
      } else {
        ms = await call(cloud.activities, c, ip);
        // What `gcloud container clusters get-credentials` does after the cluster exists.
        if (c.name === 'ensureCluster')
          fs.writeFileSync(kubeconfig, (await cloud.clients.kubeFor(input.env)).exportConfig());
      }
      steps.push({ label: label(c), name: c.name, ms });
    }
    return { steps: unique(steps), total: performance.now() - t0 };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await cleanup(cloud, calls);
  }
}
