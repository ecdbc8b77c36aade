/**
 * The user's own app on the local cloud (emulator + kwok + registry), through the activities as
 * the worker builds them and the CLI's rendering and push: examples/app comes up as one ApplySet
 * with its endpoint answering from demo pods, a removed file is pruned, Kustomize renders the
 * same app, a bad manifest is refused before anything exists, and teardown leaves nothing.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api, CoreV1Api, NetworkingV1Api, type KubeConfig } from '@kubernetes/client-node';
import { activitiesForTarget } from '../../../src/activities/index';
import { APPLYSET, APPLYSET_PARENT, applysetId } from '../../../src/activities/applyset';
import { prepareApp, renderOrThrow } from '../../../src/bundle/prepare';
import { toolchainRenderDeps } from '../../../src/bundle/render-deps';
import { encodeBundle } from '../../../src/bundle/format';
import { planApp } from '../../../src/bundle/dry-run';
import { fetchBundle, pushBundle } from '../../../src/bundle/transport';
import type { GkeflowActivities } from '../../../src/contract/activities';
import type { TargetConfig } from '../../../src/clients/config';
import { createTargetClients, type TargetClients } from '../../../src/clients/index';
import { INGRESS_FINALIZER, LB_IP_PREFIX } from '../../../src/emulator/runtime/kwok-stages';
import type { RunningEmulator } from '../../../src/emulator';
import { envRefOf, loadSpecFile, SpecValidationError, type EnvironmentSpec } from '../../../src/envspec';
import { emulator } from '../../helpers/emulator';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry-server';

const EXAMPLE = path.join(__dirname, '..', '..', '..', 'examples', 'app');
const labels = { 'gkeflow-expires-at': '1900000000' };
const tools = toolchainRenderDeps();

void describe('an app of manifests on the local cloud', { timeout: 600_000 }, () => {
  let emu: RunningEmulator;
  let reg: TestRegistry;
  let clients: TargetClients;
  let acts: GkeflowActivities;
  let closeActs: (() => Promise<void>) | undefined;
  let config: TargetConfig;
  let stateDir: string;
  let dir: string;
  let spec: EnvironmentSpec;
  let kc: KubeConfig;
  let image: string;

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-app-'));
    dir = path.join(stateDir, 'example');
    fs.cpSync(EXAMPLE, dir, { recursive: true });
    reg = await startTestRegistry();
    emu = await emulator({
      stateDir,
      controlPlane: 'kwok',
      delays: { operationPending: 0, createCluster: 200, deleteCluster: 200, lbProvision: 500, lbRelease: 500 },
    });
    config = { target: 'local', emulatorAddress: emu.address, registryAddress: reg.address };
    clients = createTargetClients(config);
    const built = activitiesForTarget(config, { gkePollMs: 100, heartbeatMs: 1000 });
    acts = built.activities;
    closeActs = built.close;
    spec = loadSpecFile(path.join(dir, 'app.yaml'));
  });
  after(async () => {
    if (spec) await acts?.deleteCluster({ env: envRefOf(spec) }).catch(() => {});
    await clients?.close();
    await closeActs?.();
    await emu?.stop();
    await reg?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  const applyInput = (bundle: string) => ({
    env: envRefOf(spec),
    labels,
    namespace: 'preview',
    bundle,
    image,
    endpoint: { service: 'web', port: 80 },
  });

  void it('comes up as one ApplySet: every object applied by gkeflow, $image by digest, the endpoint answering from demo pods', async () => {
    const env = envRefOf(spec);
    const pushed = await acts.pushImage({
      env,
      source: { kind: 'builtin', name: 'demo' },
      repository: spec.image!.repository,
      tag: 'v1',
    });
    image = pushed.reference;
    await acts.ensureCluster({
      env,
      labels,
      nodePools: [{ name: 'default-pool', machineType: 'e2-small', nodeCount: 2 }],
    });
    const ready = await prepareApp(spec, 'app.yaml', config, tools);
    assert.match(
      ready.app?.bundle ?? '',
      /^asia-east1-docker\.pkg\.dev\/gkeflow-demo\/gkeflow\/app-demo-app@sha256:[0-9a-f]{64}$/,
    );
    const r = await acts.applyApp(applyInput(ready.app!.bundle!));
    assert.ok(r.ip.startsWith(LB_IP_PREFIX), r.ip);
    assert.deepEqual([...r.applied].sort(), [
      'ConfigMap preview/web-config',
      'Deployment preview/api',
      'Deployment preview/web',
      'Ingress preview/web',
      'Service preview/api',
      'Service preview/web',
    ]);
    assert.deepEqual(r.pruned, []);
    kc = await clients.kubeFor(env);
    // The probe the workflow runs: it waits out the data plane starting the demo pods' processes.
    const probe = await acts.probeEndpoint({ url: `http://${r.ip}:80/` });
    assert.equal(probe.ok, true, JSON.stringify(probe));
    const res = await fetch(`http://${r.ip}:80/`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /web-/, 'a demo pod of Deployment web answered');

    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    const web = await apps.readNamespacedDeployment({ namespace: 'preview', name: 'web' });
    assert.equal(web.spec?.template.spec?.containers[0]?.image, image);
    assert.equal(web.metadata?.labels?.[APPLYSET.partOf], applysetId('preview'));
    assert.ok(web.metadata?.managedFields?.some((f) => f.manager === 'gkeflow' && f.operation === 'Apply'));
    const parent = await core.readNamespacedSecret({ namespace: 'preview', name: APPLYSET_PARENT });
    assert.equal(parent.metadata?.labels?.[APPLYSET.id], applysetId('preview'));
    assert.equal(parent.metadata?.annotations?.[APPLYSET.tooling], 'gkeflow/v0.1.0');
    assert.equal(
      parent.metadata?.annotations?.[APPLYSET.containsGroupKinds],
      'ConfigMap,Deployment.apps,Ingress.networking.k8s.io,Service',
    );
    // The local cloud plays GKE's Ingress controller: an address from 127.0.0.0/8 and its finalizer.
    const net = kc.makeApiClient(NetworkingV1Api);
    for (let i = 0; ; i++) {
      const ing = await net.readNamespacedIngress({ namespace: 'preview', name: 'web' });
      const ip = ing.status?.loadBalancer?.ingress?.[0]?.ip;
      if (ip) {
        assert.ok(ip.startsWith(LB_IP_PREFIX), ip);
        assert.ok(ing.metadata?.finalizers?.includes(INGRESS_FINALIZER));
        break;
      }
      assert.ok(i < 40, 'the Ingress got an address');
      await new Promise((res) => setTimeout(res, 250));
    }
    // A second apply of the same bundle changes nothing and prunes nothing.
    assert.deepEqual((await acts.applyApp(applyInput(ready.app!.bundle!))).pruned, []);
  });

  void it('Kustomize renders the same app as the manifests directory', async () => {
    const names = (objs: Array<{ object: { kind?: string; metadata?: { name?: string } } }>) =>
      objs.map((o) => `${o.object.kind}/${o.object.metadata?.name}`).sort();
    const manifests = await renderOrThrow(spec, 'app.yaml', tools);
    const kustomized = await renderOrThrow(
      { ...spec, app: { ...spec.app!, manifests: undefined, kustomize: path.join(dir, 'overlays', 'preview') } },
      'app.yaml',
      tools,
    );
    assert.equal(manifests.objects.length, 6);
    assert.deepEqual(names(kustomized.objects), names(manifests.objects));
  });

  void it('a server-side dry-run plan shows create, change, unchanged and prune, and touches nothing', async () => {
    const env = envRefOf(spec);
    const planDir = path.join(stateDir, 'plan');
    fs.cpSync(dir, planDir, { recursive: true });
    const k8s = path.join(planDir, 'k8s');
    fs.writeFileSync(
      path.join(k8s, 'config.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web-config}\ndata: {GREETING: changed}\n',
    );
    fs.writeFileSync(path.join(k8s, 'extra.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\n');
    fs.rmSync(path.join(k8s, 'api.yaml'));
    const bundle = await renderOrThrow({ ...spec, app: { ...spec.app!, manifests: k8s } }, 'app.yaml', tools);
    const core = kc.makeApiClient(CoreV1Api);
    const version = async () =>
      (await core.readNamespacedConfigMap({ namespace: 'preview', name: 'web-config' })).metadata?.resourceVersion;
    const before = await version();
    const plan = await planApp(kc, env, 'preview', bundle, labels, image);
    assert.deepEqual(plan.created, ['ConfigMap preview/extra']);
    assert.deepEqual(plan.changed, ['ConfigMap preview/web-config']);
    assert.deepEqual([...plan.unchanged].sort(), [
      'Deployment preview/web',
      'Ingress preview/web',
      'Service preview/web',
    ]);
    assert.deepEqual([...plan.pruned].sort(), ['Deployment preview/api', 'Service preview/api']);
    assert.equal(await version(), before, 'the dry-run changed nothing');
    await assert.rejects(
      core.readNamespacedConfigMap({ namespace: 'preview', name: 'extra' }),
      (e: { code?: number }) => e.code === 404,
    );
    await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: 'preview', name: 'api' });
  });

  void it('removing a file and applying again prunes its objects', async () => {
    fs.rmSync(path.join(dir, 'k8s', 'api.yaml'));
    fs.writeFileSync(
      path.join(dir, 'k8s', 'kustomization.yaml'),
      'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [config.yaml, web.yaml, ingress.yaml]\n',
    );
    const ready = await prepareApp(spec, 'app.yaml', config, tools);
    const r = await acts.applyApp(applyInput(ready.app!.bundle!));
    assert.deepEqual([...r.pruned].sort(), ['Deployment preview/api', 'Service preview/api']);
    const apps = kc.makeApiClient(AppsV1Api);
    await assert.rejects(
      apps.readNamespacedDeployment({ namespace: 'preview', name: 'api' }),
      (e: { code?: number }) => e.code === 404,
    );
    const parent = await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedSecret({ namespace: 'preview', name: APPLYSET_PARENT });
    assert.equal(
      parent.metadata?.annotations?.[APPLYSET.containsGroupKinds],
      'ConfigMap,Deployment.apps,Ingress.networking.k8s.io,Service',
    );
  });

  void it('a bad manifest is refused naming the file and object, before anything is pushed', async () => {
    const bad = path.join(stateDir, 'bad');
    fs.mkdirSync(path.join(bad, 'k8s'), { recursive: true });
    fs.writeFileSync(path.join(bad, 'k8s', 'ok.yaml'), fs.readFileSync(path.join(dir, 'k8s', 'web.yaml')));
    fs.writeFileSync(
      path.join(bad, 'k8s', 'broken.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n---\nkind: [\n',
    );
    const badSpec = {
      ...spec,
      cluster: { ...spec.cluster, name: 'bad-app' },
      app: { ...spec.app!, manifests: path.join(bad, 'k8s') },
    };
    await assert.rejects(prepareApp(badSpec, 'bad.yaml', config, tools), (e: unknown) => {
      assert.ok(e instanceof SpecValidationError);
      assert.ok(
        e.issues.every((i) => i.path === 'app.manifests'),
        JSON.stringify(e.issues),
      );
      assert.ok(
        e.issues.some((i) => /k8s\/broken\.yaml \(document 1\) ConfigMap \?: has no metadata\.name/.test(i.message)),
        JSON.stringify(e.issues),
      );
      assert.ok(
        e.issues.some((i) => /k8s\/broken\.yaml \(document 2\)/.test(i.message)),
        JSON.stringify(e.issues),
      );
      return true;
    });
  });

  void it('a 5 MB bundle travels through the registry by digest', async () => {
    const big = crypto.randomBytes(4 * 1024 * 1024).toString('base64'); // 5.3 MB of text that gzip cannot shrink much
    const bundle = {
      objects: [
        {
          source: 'k8s/big.yaml',
          object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { big } },
        },
      ],
    };
    const ref = await pushBundle(bundle, 'asia-east1-docker.pkg.dev/gkeflow-demo/gkeflow/big-app', config);
    assert.ok(JSON.stringify(bundle).length > 5 * 1024 * 1024);
    assert.ok(encodeBundle(bundle).layer.length > 4 * 1024 * 1024);
    assert.deepEqual(await fetchBundle(ref, config), bundle);
  });

  void it('teardown deletes the whole app, load balancer first, and leaves no object and no leak', async () => {
    const env = envRefOf(spec);
    const r = await acts.deleteApp({ env, namespace: 'preview' });
    assert.equal(r.deleted, true);
    assert.deepEqual(
      [...r.members.slice(0, 2)].sort(),
      ['Ingress preview/web', 'Service preview/web'],
      'load balancers go first',
    );
    assert.deepEqual([...r.members].sort(), [
      'ConfigMap preview/web-config',
      'Deployment preview/web',
      'Ingress preview/web',
      'Service preview/web',
    ]);
    const core = kc.makeApiClient(CoreV1Api);
    const left = await core.listNamespacedService({ namespace: 'preview' });
    assert.deepEqual(
      left.items.map((s) => s.metadata?.name),
      [],
    );
    await assert.rejects(
      core.readNamespacedSecret({ namespace: 'preview', name: APPLYSET_PARENT }),
      (e: { code?: number }) => e.code === 404,
    );
    assert.deepEqual(await acts.deleteApp({ env, namespace: 'preview' }), { deleted: false, members: [] });
    assert.deepEqual(await acts.deleteCluster({ env }), { deleted: true });
    const leaks = (await (await fetch(`http://127.0.0.1:${emu.adminPort}/leaks`)).json()) as { leaks: unknown[] };
    assert.deepEqual(leaks.leaks, []);
    // No cluster: nothing left to delete, and no error; the cluster's absence is said (issue 17 point 6).
    assert.deepEqual(await acts.deleteApp({ env, namespace: 'preview' }), {
      deleted: false,
      members: [],
      clusterMissing: true,
    });
  });

  void it('a cluster deleted with an Ingress still in it leaks its load balancer (the emulator reports it)', async () => {
    const env = envRefOf({ ...spec, cluster: { ...spec.cluster, name: 'ingress-leak' } });
    await acts.ensureCluster({
      env,
      labels,
      nodePools: [{ name: 'default-pool', machineType: 'e2-small', nodeCount: 1 }],
    });
    const net = (await clients.kubeFor(env)).makeApiClient(NetworkingV1Api);
    await net.createNamespacedIngress({
      namespace: 'default',
      body: { metadata: { name: 'leaky' }, spec: { defaultBackend: { service: { name: 'x', port: { number: 80 } } } } },
    });
    assert.deepEqual(await acts.deleteCluster({ env }), { deleted: true });
    const leaks = (await (await fetch(`http://127.0.0.1:${emu.adminPort}/leaks`)).json()) as {
      leaks: Array<{ cluster: string; kind?: string; service: string }>;
    };
    assert.deepEqual(
      leaks.leaks.map((l) => [l.cluster, l.kind, l.service]),
      [['ingress-leak', 'Ingress', 'leaky']],
    );
  });
});
