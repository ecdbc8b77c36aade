// Node pools without a pull scope cannot pull images hosted on Artifact Registry (issue 9, point 3):
// on kwok-backed clusters such pods stay Pending in ErrImagePull, as on GKE; gkeflow's pools can pull.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { v1, protos } from '@google-cloud/container';
import { gkeActivities } from '../../../src/activities/gke';
import { createGkeClient, type GkeClient } from '../../../src/clients/gke';
import { GKE_NODEPOOL_LABEL } from '../../../src/emulator/runtime/kwok-nodes';
import type { RunningEmulator } from '../../../src/emulator';
import { client, clusterName, emulator, PROJECT, tempStateDir, waitOp, ZONE } from '../../helpers/emulator';

const AR_IMAGE = `127.0.0.1:5000/${PROJECT}/gkeflow/app@sha256:${'b'.repeat(64)}`;
const HUB_IMAGE = 'docker.io/library/nginx:1.27';
let emu: RunningEmulator;
let c: v1.ClusterManagerClient;
let gke: GkeClient;

before(async () => {
  emu = await emulator({ stateDir: tempStateDir('emu-pull-'), controlPlane: 'kwok' });
  c = client(emu);
  gke = createGkeClient({ target: 'local', emulatorAddress: emu.address, registryAddress: '127.0.0.1:1' });
});

after(async () => {
  await c?.close();
  await gke?.close();
  await fetch(`http://127.0.0.1:${emu.adminPort}/reset`, { method: 'POST' }).catch(() => undefined);
  await emu?.stop();
});

function kubeOf(cl: protos.google.container.v1.ICluster): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'gke', server: `https://${cl.endpoint}`, caData: cl.masterAuth?.clusterCaCertificate ?? '' }],
    users: [{ name: 'gke', certData: cl.masterAuth?.clientCertificate ?? '', keyData: cl.masterAuth?.clientKey ?? '' }],
    contexts: [{ name: 'gke', cluster: 'gke', user: 'gke' }],
    currentContext: 'gke',
  });
  return kc.makeApiClient(CoreV1Api);
}

/** Runs a pod on the given pool and returns it once kwok has given it a status: Running or an image error. */
async function podOutcome(core: CoreV1Api, name: string, pool: string, image: string): Promise<string> {
  const body = {
    metadata: { name },
    spec: { nodeSelector: { [GKE_NODEPOOL_LABEL]: pool }, containers: [{ name: 'app', image }] },
  };
  // A new control plane refuses pods (403) until its controllers made the default service account.
  for (let tries = 0; ; tries++) {
    try {
      await core.createNamespacedPod({ namespace: 'default', body });
      break;
    } catch (e) {
      if ((e as { code?: number }).code !== 403 || tries > 100) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    const pod: V1Pod = await core.readNamespacedPod({ name, namespace: 'default' });
    const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting?.reason;
    if (waiting) return waiting;
    if (pod.status?.phase === 'Running') return 'Running';
    if (Date.now() > deadline) throw new Error(`pod ${name} still ${pod.status?.phase}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

void test("gkeflow's node pools can pull from Artifact Registry (it asks for the cloud-platform scope)", async () => {
  const env = { id: `gkeflow/${PROJECT}/${ZONE}/pulls`, project: PROJECT, location: ZONE, cluster: 'pulls' };
  await gkeActivities({ gke, pollMs: 50 }).ensureCluster({
    env,
    labels: {},
    nodePools: [{ name: 'default-pool', machineType: 'e2-small', nodeCount: 1 }],
  });
  const core = kubeOf((await c.getCluster({ name: clusterName('pulls') }))[0]);
  assert.equal(await podOutcome(core, 'app', 'default-pool', AR_IMAGE), 'Running');
});

void test('a pool without cloud-platform or devstorage.read_only cannot pull Artifact Registry images (ErrImagePull); others can', async () => {
  // Pools added to the same cluster through the API: one asking for no scope, one for storage only.
  for (const nodePool of [
    { name: 'bare', initialNodeCount: 1 },
    {
      name: 'storage',
      initialNodeCount: 1,
      config: { oauthScopes: ['https://www.googleapis.com/auth/devstorage.read_only'] },
    },
  ])
    assert.equal(
      (await waitOp(c, (await c.createNodePool({ parent: clusterName('pulls'), nodePool }))[0])).error,
      null,
    );
  const core = kubeOf((await c.getCluster({ name: clusterName('pulls') }))[0]);
  assert.equal(await podOutcome(core, 'ar-on-bare', 'bare', AR_IMAGE), 'ErrImagePull');
  const pod = await core.readNamespacedPod({ name: 'ar-on-bare', namespace: 'default' });
  assert.match(pod.status?.containerStatuses?.[0]?.state?.waiting?.message ?? '', /403 Forbidden/);
  assert.equal(await podOutcome(core, 'hub-on-bare', 'bare', HUB_IMAGE), 'Running');
  assert.equal(await podOutcome(core, 'ar-on-storage', 'storage', AR_IMAGE), 'Running');
});
