// External-IP detection lag: from the moment a load balancer's IP is written to the Service's
// status to the moment the environment workflow knows it (the workflow task after
// waitForExternalIp completed, read from the history), over --runs runs; beside what users
// write instead: a 5-second polling loop (`kubectl get` + `sleep 5`) and `kubectl wait
// --for=jsonpath`, each over the same number of runs against the same kwok cluster.
// The kwok cluster's own load-balancer stage is held off (1 h) so the bench writes each IP itself
// and knows the moment: the time just before its status PATCH is sent.
// Usage: npx tsx bench/external-ip.ts [--runs 20]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { temporal } from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { kubeActivities } from '../src/activities/kube';
import type { ResourceRef } from '../src/contract/workload-io';
import { KWOK_TOOLCHAIN_COMPONENTS } from '../src/emulator';
import { createKwokCluster, deleteKwokCluster, kwokKubeConfig } from '../src/emulator/runtime/kwok-cluster';
import { ensureToolchain } from '../src/toolchain/toolchain';
import { eventMs } from './history';
import { arg, commandOf, msStr, percentile, ratio, row, sleep } from './report';

const EventType = temporal.api.enums.v1.EventType;
const GOAL_P95_MS = 100;

async function createService(kc: KubeConfig, name: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).createNamespacedService({
    namespace: 'default',
    body: {
      metadata: { name },
      spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port: 80, targetPort: 8080 as never }] },
    },
  });
}

/** Writes the LB IP into the Service's status; returns the moment just before the write was sent. */
async function writeIp(kc: KubeConfig, name: string, i: number): Promise<number> {
  const api = kc.makeApiClient(CoreV1Api);
  const t0 = Date.now();
  await api.patchNamespacedServiceStatus(
    {
      name,
      namespace: 'default',
      body: { status: { loadBalancer: { ingress: [{ ip: `127.0.9.${(i % 250) + 1}`, ipMode: 'VIP' }] } } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  return t0;
}

/** Runs a shell command; resolves with its last stdout line (the `date` it prints when it is through). */
function sh(script: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('bash', ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) =>
      code === 0 ? resolve(out.trim().split('\n').pop()!) : reject(new Error(`exit ${code}: ${err.slice(-500)}`)),
    );
  });
}

async function gkeflowLags(kc: KubeConfig, runs: number): Promise<number[]> {
  const { stubActivities, testInput, startEnv, workflowBundle } = await import('../test/helpers/workflows');
  const { localTemporalAddress, uniqueTaskQueue } = await import('../src/stack/local-temporal');
  const address = await localTemporalAddress();
  const stub = stubActivities();
  const real = kubeActivities({ kubeFor: () => Promise.resolve(kc) }).waitForExternalIp;
  let current = { name: '', called: (): void => undefined };
  // The workflow's own waitForExternalIp, the real activity, watching this run's Service.
  stub.activities.waitForExternalIp = (ref: ResourceRef) => {
    current.called();
    return real({ ...ref, namespace: 'default', name: current.name });
  };
  const taskQueue = uniqueTaskQueue('bench-ip');
  const native = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: stub.activities,
  });
  const lags: number[] = [];
  await worker.runUntil(async () => {
    for (let i = 0; i < runs; i++) {
      const name = `wf-${i}`;
      await createService(kc, name);
      const called = new Promise<void>((r) => (current = { name, called: r }));
      const h = await startEnv(client, taskQueue, testInput());
      await called;
      await sleep(300 + Math.random() * 300); // the activity's watch is up; the IP comes at a random moment
      const t0 = await writeIp(kc, name, i);
      for (;;) {
        const events = (await h.fetchHistory()).events ?? [];
        const done = events.findIndex(
          (e) =>
            e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED &&
            events.find((s) => Number(s.eventId) === Number(e.activityTaskCompletedEventAttributes?.scheduledEventId))
              ?.activityTaskScheduledEventAttributes?.activityType?.name === 'waitForExternalIp',
        );
        const known =
          done >= 0 && events.slice(done).find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
        if (known) {
          lags.push(eventMs(known.eventTime) - t0);
          break;
        }
        await sleep(100);
      }
      await h.terminate('bench done');
    }
  });
  await connection.close();
  await native.close();
  return lags;
}

async function pollingLoopLags(kubectl: string, kubeconfig: string, kc: KubeConfig, runs: number): Promise<number[]> {
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  return Promise.all(
    Array.from({ length: runs }, async (_, i) => {
      const name = `poll-${i}`;
      await createService(kc, name);
      const loop = sh(
        `until [ -n "$(${kubectl} get svc ${name} -o jsonpath='{.status.loadBalancer.ingress[0].ip}')" ]; do sleep 5; done; date +%s%3N`,
        env,
      );
      await sleep(1000 + Math.random() * 5000);
      const t0 = await writeIp(kc, name, i);
      return Number(await loop) - t0;
    }),
  );
}

async function kubectlWaitLags(kubectl: string, kubeconfig: string, kc: KubeConfig, runs: number): Promise<number[]> {
  const env = { ...process.env, KUBECONFIG: kubeconfig };
  const lags: number[] = [];
  for (let i = 0; i < runs; i += 5)
    lags.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(5, runs - i) }, async (_, j) => {
          const name = `wait-${i + j}`;
          await createService(kc, name);
          const wait = sh(
            `${kubectl} wait --for=jsonpath='{.status.loadBalancer.ingress[0].ip}' svc/${name} --timeout=120s >/dev/null; date +%s%3N`,
            env,
          );
          await sleep(2000 + Math.random() * 500); // kubectl has started and is watching
          const t0 = await writeIp(kc, name, i + j);
          return Number(await wait) - t0;
        }),
      )),
    );
  return lags;
}

async function run(): Promise<void> {
  const runs = arg('runs', 20);
  const toolchain = await ensureToolchain({ only: [...KWOK_TOOLCHAIN_COMPONENTS] });
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-ip-bench-'));
  const ref = { name: 'ip-bench', workdir, toolchain };
  try {
    const cluster = await createKwokCluster({ ...ref, loadBalancer: { provisionMs: 3_600_000, releaseMs: 0 } });
    const kc = kwokKubeConfig(cluster);
    const sides = [
      { name: 'gkeflow (watch in the activity → history)', lags: await gkeflowLags(kc, runs) },
      {
        name: '5 s polling loop (kubectl get; sleep 5)',
        lags: await pollingLoopLags(toolchain.kubectl, cluster.kubeconfigPath, kc, runs),
      },
      {
        name: 'kubectl wait --for=jsonpath',
        lags: await kubectlWaitLags(toolchain.kubectl, cluster.kubeconfigPath, kc, runs),
      },
    ];
    const stats = sides.map((s) => ({ ...s, p50: percentile(s.lags, 50), p95: percentile(s.lags, 95) }));
    for (const s of stats)
      console.log(
        `${s.name.padEnd(44)} p50 ${msStr(s.p50).padStart(8)}  p95 ${msStr(s.p95).padStart(8)}  (${s.lags.length} runs)`,
      );
    const [g, poll, wait] = stats as [(typeof stats)[0], (typeof stats)[0], (typeof stats)[0]];
    const command = commandOf('external-ip.ts');
    row({
      area: 'External-IP detection lag',
      figure: `IP written to the Service status → the workflow knows it, p50 / p95 over ${runs} runs`,
      value: `${msStr(g.p50)} / ${msStr(g.p95)}`,
      anchor: `5 s polling loop: ${msStr(poll.p50)} / ${msStr(poll.p95)}`,
      ratio: `p95 ${ratio(g.p95, poll.p95)}`,
      goal: `p95 ≤ ${GOAL_P95_MS} ms`,
      met: g.p95 <= GOAL_P95_MS,
      note:
        (g.p95 <= GOAL_P95_MS
          ? ''
          : 'missed on a busy 2-core machine: the watch event is quick, the rest is the activity completion round trip and the next workflow task; what would close it: an idle worker host (the figure is mostly scheduling). ') +
        'The known moment is the workflow task that follows ActivityTaskCompleted of waitForExternalIp; the written moment is just before the status PATCH is sent',
      command,
    });
    row({
      area: 'External-IP detection lag',
      figure: `same, anchor \`kubectl wait --for=jsonpath\` (${runs} runs)`,
      value: `${msStr(g.p50)} / ${msStr(g.p95)}`,
      anchor: `kubectl wait: ${msStr(wait.p50)} / ${msStr(wait.p95)}`,
      ratio: `p95 ${ratio(g.p95, wait.p95)}`,
      note: "kubectl wait watches too, but only prints; gkeflow's figure includes recording the result durably in Temporal",
      command,
    });
  } finally {
    await deleteKwokCluster(ref).catch(() => undefined);
    fs.rmSync(workdir, { recursive: true, force: true });
  }
}

run().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
