/**
 * The app as a Helm chart (`app.helm`) on the local cloud: the real helm of the toolchain renders
 * examples/app/chart on the CLI's side into the same objects as the manifests directory (and,
 * with the preview values, as the Kustomize overlay); the rendering travels and is applied like
 * manifests (one ApplySet, `$image` by digest) and comes up answering from demo pods; plan shows
 * it; a chart that does not render is exit 2 naming the chart, with nothing created.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { activitiesForTarget } from '../../../src/activities/index';
import { APPLYSET, APPLYSET_PARENT, applysetId } from '../../../src/activities/applyset';
import { createArtifactRegistryApi } from '../../../src/clients/artifact-registry';
import type { TargetConfig } from '../../../src/clients/config';
import { createTargetClients, type TargetClients } from '../../../src/clients/index';
import type { GkeflowActivities } from '../../../src/contract/activities';
import { planApp } from '../../../src/bundle/dry-run';
import type { Bundle } from '../../../src/bundle/format';
import { prepareApp, renderOrThrow } from '../../../src/bundle/prepare';
import { renderApp } from '../../../src/bundle/render';
import { toolchainRenderDeps } from '../../../src/bundle/render-deps';
import { LB_IP_PREFIX } from '../../../src/emulator/runtime/kwok-stages';
import type { RunningEmulator } from '../../../src/emulator';
import { envRefOf, loadSpecFile, SpecValidationError, type EnvironmentSpec } from '../../../src/envspec';
import { artifactRepositoryOf, bundleRepositoryOf } from '../../../src/envspec/image-ref';
import { emulator } from '../../helpers/emulator';
import { assertErrorDocument, runJson } from '../../helpers/output-shapes';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry-server';

const EXAMPLE = path.join(__dirname, '..', '..', '..', 'examples', 'app');
const labels = { 'gkeflow-expires-at': '1900000000' };
const tools = toolchainRenderDeps();
/** A template that dereferences a value the chart does not have: helm stops with a nil pointer. */
const BROKEN_TEMPLATE = '  broken: {{ .Values.nope.deeper }}\n';

/** The objects of a bundle as a set (sorted by identity), without where each came from. */
const objectsOf = (b: Bundle) =>
  b.objects
    .map((o) => o.object)
    .sort((x, y) => `${x.kind}/${x.metadata?.name}`.localeCompare(`${y.kind}/${y.metadata?.name}`));

void describe('an app as a Helm chart', { timeout: 900_000 }, () => {
  let emu: RunningEmulator;
  let reg: TestRegistry;
  let clients: TargetClients;
  let acts: GkeflowActivities;
  let closeActs: (() => Promise<void>) | undefined;
  let config: TargetConfig;
  let stateDir: string;
  let dir: string;
  let specFile: string;
  let spec: EnvironmentSpec;
  let kc: KubeConfig;
  let image: string;

  before(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-helm-'));
    dir = path.join(stateDir, 'example');
    fs.cpSync(EXAMPLE, dir, { recursive: true });
    specFile = path.join(dir, 'helm.yaml');
    // A cluster of its own, so no environment of the example's name is planned against.
    fs.writeFileSync(specFile, fs.readFileSync(specFile, 'utf8').replace('name: helm-demo', 'name: helm-it'));
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
    spec = loadSpecFile(specFile);
  });
  after(async () => {
    if (spec) await acts?.deleteCluster({ env: envRefOf(spec) }).catch(() => {});
    await clients?.close();
    await closeActs?.();
    await emu?.stop();
    await reg?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  const withHelm = (helm: Partial<NonNullable<NonNullable<EnvironmentSpec['app']>['helm']>>): EnvironmentSpec => ({
    ...spec,
    app: { ...spec.app!, helm: { ...spec.app!.helm!, ...helm } },
  });
  const applyInput = (bundle: string) => ({
    env: envRefOf(spec),
    labels,
    namespace: 'preview',
    bundle,
    image,
    endpoint: { service: 'web', port: 80 },
  });

  void it('the chart renders the same objects as the manifests directory, and with the preview values as the Kustomize overlay', async () => {
    const asManifests = { ...spec, app: { ...spec.app!, helm: undefined, manifests: path.join(dir, 'k8s') } };
    const asOverlay = {
      ...spec,
      app: { ...spec.app!, helm: undefined, kustomize: path.join(dir, 'overlays/preview') },
    };
    const manifests = await renderOrThrow(asManifests, 'helm.yaml', tools);
    const chart = await renderOrThrow(withHelm({ valuesFiles: [], values: {} }), 'helm.yaml', tools);
    assert.equal(manifests.objects.length, 6);
    assert.deepEqual(objectsOf(chart), objectsOf(manifests));
    const overlay = await renderOrThrow(asOverlay, 'helm.yaml', tools);
    const preview = await renderOrThrow(spec, 'helm.yaml', tools); // values/preview.yaml, as the example
    assert.deepEqual(objectsOf(preview), objectsOf(overlay));
    assert.notDeepEqual(objectsOf(preview), objectsOf(manifests), 'the preview values change the objects');
    assert.equal(preview.objects.find((o) => o.object.kind === 'ConfigMap')?.object.metadata?.labels?.preview, 'true');
    // Each object names the chart template it came from, as helm heads it.
    assert.deepEqual([...new Set(chart.objects.map((o) => o.source))].sort(), [
      'helm web-app/templates/api.yaml',
      'helm web-app/templates/config.yaml',
      'helm web-app/templates/ingress.yaml',
      'helm web-app/templates/web.yaml',
    ]);
  });

  void it('helm template gets the release, the app namespace, the CRDs, and values files then the spec values (which win)', async () => {
    const chart = path.join(stateDir, 'probe-chart');
    fs.mkdirSync(path.join(chart, 'templates', 'tests'), { recursive: true });
    fs.mkdirSync(path.join(chart, 'crds'));
    fs.writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: probe\nversion: 0.1.0\n');
    fs.writeFileSync(path.join(chart, 'values.yaml'), 'a: chart\nb: chart\nc: chart\n');
    fs.writeFileSync(
      path.join(chart, 'templates', 'all.yaml'),
      [
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-info\n  namespace: {{ .Release.Namespace }}',
        'data:\n  a: {{ .Values.a | quote }}\n  b: {{ .Values.b | quote }}\n  c: {{ .Values.c | quote }}\n---',
        'apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  type: LoadBalancer\n  ports: [{ port: 80 }]\n',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(chart, 'templates', 'tests', 'test.yaml'),
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: t\n  annotations: { helm.sh/hook: test }\nspec:\n  containers: [{ name: t, image: busybox }]\n',
    );
    fs.writeFileSync(
      path.join(chart, 'crds', 'widgets.yaml'),
      'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\n',
    );
    const files = ['one.yaml', 'two.yaml'].map((f) => path.join(stateDir, f));
    fs.writeFileSync(files[0]!, 'a: file-one\nb: file-one\n');
    fs.writeFileSync(files[1]!, 'b: file-two\nc: file-two\n');
    const { bundle, issues } = await renderApp(
      {
        namespace: 'team-a',
        endpoint: { service: 'probe', port: 80 },
        helm: { chart, release: 'probe', valuesFiles: files, values: { c: 'spec' } },
      },
      tools,
    );
    assert.deepEqual(issues, []);
    const byKind = new Map(bundle.objects.map((o) => [o.object.kind, o.object]));
    assert.deepEqual([...byKind.keys()].sort(), ['ConfigMap', 'CustomResourceDefinition', 'Service'], 'no test hook');
    const cm = byKind.get('ConfigMap') as { metadata: { name: string; namespace: string }; data: unknown };
    assert.deepEqual(cm.metadata, { name: 'probe-info', namespace: 'team-a' });
    assert.deepEqual(cm.data, { a: 'file-one', b: 'file-two', c: 'spec' });
  });

  void it("a chart that does not render is exit 2 naming the chart and helm's message, and nothing is created", async () => {
    const bad = path.join(stateDir, 'bad');
    fs.cpSync(dir, bad, { recursive: true });
    fs.appendFileSync(path.join(bad, 'chart', 'templates', 'config.yaml'), BROKEN_TEMPLATE);
    const badFile = path.join(bad, 'helm.yaml');
    fs.writeFileSync(
      badFile,
      fs
        .readFileSync(badFile, 'utf8')
        .replace('name: helm-it', 'name: helm-bad')
        .replace('  tag: v1', '  tag: v1\n  repository: asia-east1-docker.pkg.dev/gkeflow-demo/helm-bad/app'),
    );
    const r = await runJson(['plan', '-f', badFile, '--json']);
    assert.equal(r.code, 2, r.stderr);
    const problems = assertErrorDocument(r.doc, 'GKF-SPEC-INVALID');
    assert.deepEqual(
      problems.map((p) => p.path),
      ['app.helm.chart'],
    );
    assert.ok(problems[0]!.message.includes(path.join(bad, 'chart')), problems[0]!.message);
    assert.match(problems[0]!.message, /config\.yaml:\d+:\d+.*nil pointer evaluating interface \{\}\.deeper/);

    const badSpec = loadSpecFile(badFile);
    await assert.rejects(prepareApp(badSpec, badFile, config, tools), (e: unknown) => {
      assert.ok(e instanceof SpecValidationError);
      assert.deepEqual(
        e.issues.map((i) => i.path),
        ['app.helm.chart'],
      );
      return true;
    });
    const repo = artifactRepositoryOf(bundleRepositoryOf(badSpec));
    assert.ok(repo);
    const api = createArtifactRegistryApi(config);
    try {
      assert.equal(await api.getRepository(repo.name), undefined, 'no bundle repository was created');
    } finally {
      await api.close();
    }
  });

  void it('plan lists every object the chart renders for a new environment, with its template', async () => {
    const saved = process.env.TEMPORAL_ADDRESS;
    process.env.TEMPORAL_ADDRESS = '127.0.0.1:1'; // no Temporal: planned as a new environment
    try {
      const r = await runJson(['plan', '-f', specFile, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const plan = r.doc as { environment: string; objects: Array<{ action: string; object: string; source: string }> };
      assert.equal(plan.environment, 'new');
      assert.deepEqual(plan.objects.map((o) => `${o.action} ${o.object} (${o.source})`).sort(), [
        'create ConfigMap preview/web-config (helm web-app/templates/config.yaml)',
        'create Deployment preview/api (helm web-app/templates/api.yaml)',
        'create Deployment preview/web (helm web-app/templates/web.yaml)',
        'create Ingress preview/web (helm web-app/templates/ingress.yaml)',
        'create Service preview/api (helm web-app/templates/api.yaml)',
        'create Service preview/web (helm web-app/templates/web.yaml)',
      ]);
    } finally {
      if (saved === undefined) delete process.env.TEMPORAL_ADDRESS;
      else process.env.TEMPORAL_ADDRESS = saved;
    }
  });

  void it('comes up on the local cloud as one ApplySet, $image by digest, the endpoint answering from demo pods', async () => {
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
    const ready = await prepareApp(spec, specFile, config, tools);
    assert.match(ready.app?.bundle ?? '', /\/helm-it-app@sha256:[0-9a-f]{64}$/);
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
    const probe = await acts.probeEndpoint({ url: `http://${r.ip}:80/` });
    assert.equal(probe.ok, true, JSON.stringify(probe));
    const res = await fetch(`http://${r.ip}:80/`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /web-/, 'a demo pod of Deployment web answered');

    kc = await clients.kubeFor(env);
    const web = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: 'preview', name: 'web' });
    assert.equal(web.spec?.template.spec?.containers[0]?.image, image);
    assert.equal(web.spec?.replicas, 2);
    assert.equal(web.metadata?.labels?.preview, 'true', 'the values file was applied');
    assert.equal(web.metadata?.labels?.[APPLYSET.partOf], applysetId('preview'));
    const parent = await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedSecret({ namespace: 'preview', name: APPLYSET_PARENT });
    assert.equal(
      parent.metadata?.annotations?.[APPLYSET.containsGroupKinds],
      'ConfigMap,Deployment.apps,Ingress.networking.k8s.io,Service',
    );
  });

  void it('plan of changed values on the running app: a server-side dry-run shows the change and the prune, touching nothing', async () => {
    const changed = withHelm({ values: { web: { replicas: 3 }, ingress: { enabled: false } } });
    const bundle = await renderOrThrow(changed, specFile, tools);
    const plan = await planApp(kc, envRefOf(spec), 'preview', bundle, labels, image);
    assert.deepEqual(plan.changed, ['Deployment preview/web']);
    assert.deepEqual(plan.pruned, ['Ingress preview/web']);
    assert.deepEqual(plan.created, []);
    const web = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace: 'preview', name: 'web' });
    assert.equal(web.spec?.replicas, 2, 'the dry-run changed nothing');
  });

  void it('teardown deletes the whole chart app and the cluster, leaving no leak', async () => {
    const env = envRefOf(spec);
    const r = await acts.deleteApp({ env, namespace: 'preview' });
    assert.equal(r.deleted, true);
    assert.equal(r.members.length, 6);
    assert.deepEqual(await acts.deleteCluster({ env }), { deleted: true });
    const leaks = (await (await fetch(`http://127.0.0.1:${emu.adminPort}/leaks`)).json()) as { leaks: unknown[] };
    assert.deepEqual(leaks.leaks, []);
  });
});
