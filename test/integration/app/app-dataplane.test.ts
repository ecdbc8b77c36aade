/**
 * The example app on the local cloud's data plane (emulator + kwok + registry, the activities as
 * the worker builds them): its Ingress address answers from real demo pods by the Ingress's rules,
 * its pods get their environment from a ConfigMap, a Secret and the downward API as a kubelet
 * gives it, and a new image (builtin:demo?variant=v2) rolls out to pods that run the new digest.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api, CoreV1Api, NetworkingV1Api, type KubeConfig } from '@kubernetes/client-node';
import { activitiesForTarget } from '../../../src/activities/index';
import { prepareApp } from '../../../src/bundle/prepare';
import type { GkeflowActivities } from '../../../src/contract/activities';
import type { TargetConfig } from '../../../src/clients/config';
import { createTargetClients, type TargetClients } from '../../../src/clients/index';
import { LB_IP_PREFIX } from '../../../src/emulator/runtime/kwok-stages';
import type { RunningEmulator } from '../../../src/emulator';
import { envRefOf, loadSpecFile, type EnvironmentSpec } from '../../../src/envspec';
import { toolchainRenderDeps } from '../../../src/bundle/render-deps';
import { emulator } from '../../helpers/emulator';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry-server';

const EXAMPLE = path.join(__dirname, '..', '..', '..', 'examples', 'app');
const labels = { 'gkeflow-expires-at': '1900000000' };
const tools = toolchainRenderDeps();
const SECRET_VALUE = 'tok-9f2c7e-do-not-log';

/** The example's web Deployment, also reading a Secret (by key, and whole under a prefix). */
const SECRET_YAML = `apiVersion: v1
kind: Secret
metadata: { name: web-secret }
stringData: { TOKEN: ${SECRET_VALUE} }
`;
const withSecret = (web: string) =>
  web
    .replace(
      '            - name: POD_NAMESPACE\n',
      '            - name: API_TOKEN\n' +
        '              valueFrom: { secretKeyRef: { name: web-secret, key: TOKEN } }\n' +
        '            - name: POD_NAME\n' +
        '              valueFrom: { fieldRef: { fieldPath: metadata.name } }\n' +
        '            - name: POD_NAMESPACE\n',
    )
    .replace(
      'envFrom: [{ configMapRef: { name: web-config } }]',
      "envFrom: [{ configMapRef: { name: web-config } }, { secretRef: { name: web-secret }, prefix: 'S_' }]",
    );

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GETs url (a fresh connection each time) until `ok` holds for the answer; returns it. */
async function until(
  url: string,
  ok: (r: { status: number; pod: string; variant: string; body: string }) => boolean,
  what: string,
  tries = 240,
): Promise<{ status: number; pod: string; variant: string; body: string }> {
  let last = 'no answer';
  for (let i = 0; i < tries; i++) {
    try {
      const res = await fetch(url, { headers: { Connection: 'close' }, signal: AbortSignal.timeout(2000) });
      const r = {
        status: res.status,
        pod: res.headers.get('x-pod-name') ?? '',
        variant: res.headers.get('x-demo-variant') ?? '',
        body: await res.text(),
        simulated: res.headers.get('x-gkeflow-simulated'),
      };
      if (!r.simulated && ok(r)) return r;
      last = `${r.status} ${r.pod} ${r.variant} ${r.simulated ? 'simulated ' : ''}${r.body.slice(0, 120)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`${what}: ${url} never answered as expected; last: ${last}`);
}

void describe('the example app on the local data plane', { timeout: 900_000 }, () => {
  let emu: RunningEmulator;
  let reg: TestRegistry;
  let clients: TargetClients;
  let acts: GkeflowActivities;
  let closeActs: (() => Promise<void>) | undefined;
  let config: TargetConfig;
  let stateDir: string;
  let spec: EnvironmentSpec;
  let kc: KubeConfig;
  let bundle: string;
  let image: string;
  let lbIp: string;
  const logLines: string[] = [];

  const applyInput = (img: string) => ({
    env: envRefOf(spec),
    labels,
    namespace: 'preview',
    bundle,
    image: img,
    endpoint: { service: 'web', port: 80 },
  });

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-app-dp-'));
    const dir = path.join(stateDir, 'example');
    fs.cpSync(EXAMPLE, dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'k8s', 'secret.yaml'), SECRET_YAML);
    const web = path.join(dir, 'k8s', 'web.yaml');
    const withIt = withSecret(fs.readFileSync(web, 'utf8'));
    assert.match(withIt, /API_TOKEN[\s\S]*prefix: 'S_'|prefix: 'S_'[\s\S]*API_TOKEN/, 'the example still has its env');
    fs.writeFileSync(web, withIt);
    reg = await startTestRegistry();
    emu = await emulator({
      stateDir,
      controlPlane: 'kwok',
      delays: { operationPending: 0, createCluster: 200, deleteCluster: 200, lbProvision: 500, lbRelease: 500 },
      log: (l) => logLines.push(l),
    });
    config = { target: 'local', emulatorAddress: emu.address, registryAddress: reg.address };
    clients = createTargetClients(config);
    const built = activitiesForTarget(config, { gkePollMs: 100, heartbeatMs: 1000 });
    acts = built.activities;
    closeActs = built.close;
    spec = loadSpecFile(path.join(dir, 'app.yaml'));
    spec = { ...spec, cluster: { ...spec.cluster, name: 'app-dataplane' } };

    const env = envRefOf(spec);
    image = (
      await acts.pushImage({
        env,
        source: { kind: 'builtin', name: 'demo' },
        repository: spec.image!.repository,
        tag: 'v1',
      })
    ).reference;
    await acts.ensureCluster({
      env,
      labels,
      nodePools: [{ name: 'default-pool', machineType: 'e2-small', nodeCount: 2 }],
    });
    bundle = (await prepareApp(spec, 'app.yaml', config, tools)).app!.bundle!;
    const r = await acts.applyApp(applyInput(image));
    assert.ok(r.ip.startsWith(LB_IP_PREFIX), r.ip);
    lbIp = r.ip;
    kc = await clients.kubeFor(env);
  });
  after(async () => {
    if (spec) {
      await acts?.deleteApp({ env: envRefOf(spec), namespace: 'preview' }).catch(() => {});
      await acts?.deleteCluster({ env: envRefOf(spec) }).catch(() => {});
    }
    await clients?.close();
    await closeActs?.();
    await emu?.stop();
    await reg?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  void it("the Ingress's address answers from real demo pods: /api/… from api's pods, the rest from web's (default backend)", async () => {
    const net = kc.makeApiClient(NetworkingV1Api);
    let ip: string | undefined;
    for (let i = 0; i < 120 && !ip; i++) {
      ip = (await net.readNamespacedIngress({ namespace: 'preview', name: 'web' })).status?.loadBalancer?.ingress?.[0]
        ?.ip;
      if (!ip) await sleep(250);
    }
    assert.ok(ip?.startsWith(LB_IP_PREFIX), `the Ingress got a loopback address: ${ip}`);
    const home = await until(`http://${ip}/`, (r) => r.status === 200 && r.pod.startsWith('web-'), 'default backend');
    assert.match(home.body, /gkeflow demo/);
    assert.match(home.body, /hello from a ConfigMap/, "the page's text came from the ConfigMap");
    const api = await until(`http://${ip}/api/pod`, (r) => r.status === 200 && r.pod.startsWith('api-'), '/api rule');
    assert.match(api.body, new RegExp(`Served by pod <b id="pod">${api.pod}</b>`), "an api pod's own server answered");
    // Both web pods serve behind the Ingress too (round robin over ready pods).
    const pods = new Set<string>();
    // The second pod may join the data plane's backends a moment after the first (a loaded machine):
    // keep asking, bounded, until both have answered.
    for (let i = 0; i < 120 && pods.size < 2; i++) {
      pods.add((await until(`http://${ip}/pod`, (r) => r.status === 200, 'web pods')).pod);
      if (pods.size < 2) await sleep(250);
    }
    assert.equal(pods.size, 2, [...pods].join(', '));
    const res = await fetch(`http://${ip}/`, { headers: { Connection: 'close' } });
    assert.equal(res.headers.get('via'), '1.1 google', "Google's load balancer adds Via");
  });

  void it('a Deployment reading a ConfigMap and a Secret gets their values in its running pods', async () => {
    const url = (name: string) => `http://${lbIp}:80/env/${name}`;
    const greeting = await until(url('GREETING'), (r) => r.status === 200, 'envFrom ConfigMap');
    assert.equal(greeting.body, 'hello from a ConfigMap');
    assert.equal(
      (await until(url('DEMO_MESSAGE'), (r) => r.status === 200, 'configMapKeyRef')).body,
      'hello from a ConfigMap',
    );
    assert.equal((await until(url('API_TOKEN'), (r) => r.status === 200, 'secretKeyRef')).body, SECRET_VALUE);
    assert.equal((await until(url('S_TOKEN'), (r) => r.status === 200, 'envFrom Secret, prefix')).body, SECRET_VALUE);
    assert.equal((await until(url('POD_NAMESPACE'), (r) => r.status === 200, 'fieldRef')).body, 'preview');
    const name = await until(url('POD_NAME'), (r) => r.status === 200, 'fieldRef metadata.name');
    assert.equal(name.body, name.pod, 'metadata.name is the pod that answered');
    assert.equal((await until(url('PORT'), (r) => r.status === 200, "the image's Env")).body, '8888');
    assert.equal((await until(url('NOT_SET'), (r) => r.status === 404, 'unset')).status, 404);
    assert.ok(
      logLines.length > 0 && logLines.every((l) => !l.includes(SECRET_VALUE)),
      'no emulator log line holds the Secret value',
    );
  });

  void it('a new image (builtin:demo?variant=v2) rolls out: the pods run the new digest and the endpoint answers from it', async () => {
    const env = envRefOf(spec);
    const before = await until(`http://${lbIp}/version`, (r) => r.status === 200, 'v1');
    assert.equal(before.variant, 'v1');
    const v2 = await acts.pushImage({
      env,
      source: { kind: 'builtin', name: 'demo', variant: 'v2' },
      repository: spec.image!.repository,
      tag: 'v2',
    });
    assert.notEqual(v2.reference, image, 'the variant is another image');
    assert.equal(v2.reference.split('@')[0], image.split('@')[0]);
    const r = await acts.applyApp(applyInput(v2.reference)); // waits for the rollouts
    assert.equal(r.ip, lbIp);
    const web = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: 'preview', name: 'web' });
    assert.equal(web.spec?.template.spec?.containers[0]?.image, v2.reference);
    const pods = await kc
      .makeApiClient(CoreV1Api)
      .listNamespacedPod({ namespace: 'preview', labelSelector: 'app=web' });
    const live = pods.items.filter((p) => !p.metadata?.deletionTimestamp);
    assert.ok(live.length >= 2);
    // Every answer, over several fresh connections, comes from a v2 pod, and the old pods are gone.
    const seen = new Set<string>();
    await until(`http://${lbIp}/version`, (x) => x.variant === 'v2', 'v2 after the rollout');
    for (let i = 0; i < 8; i++) {
      const x = await until(`http://${lbIp}/version`, (y) => y.status === 200, 'v2');
      assert.equal(x.variant, 'v2', `pod ${x.pod} still runs the old image`);
      assert.match(x.body, /^gkeflow-demo \S+ v2$/m);
      seen.add(x.pod);
    }
    assert.ok(!seen.has(before.pod), 'the old pod no longer answers');
    const ing = (await kc.makeApiClient(NetworkingV1Api).readNamespacedIngress({ namespace: 'preview', name: 'web' }))
      .status?.loadBalancer?.ingress?.[0]?.ip;
    const viaIngress = await until(`http://${ing}/api/version`, (x) => x.status === 200, 'api through the Ingress');
    assert.equal(viaIngress.variant, 'v2', 'api rolled out too');
  });
});
