// A disabled API (issue 22): Google answers PERMISSION_DENIED with ErrorInfo reason SERVICE_DISABLED
// and the service, consumer and activation URL in its metadata. The emulator answers it as a fault
// with those details; through the official client gkeflow turns it into ServiceDisabledError
// naming the API and the `gcloud services enable` line. Metadata-only emulator.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import type { v1 } from '@google-cloud/container';
import type { RunningEmulator } from '../../../src/emulator';
import { gkeError } from '../../../src/clients/gke-errors';
import { FAILURES } from '../../../src/contract/failures';
import { checkSpecWithGke, serverConfigVia } from '../../../src/cli/gke-preflight';
import { validateSpec } from '../../../src/envspec';
import { baseDoc } from '../envspec/helpers';
import { client, clusterName, emulator, PROJECT } from '../../helpers/emulator';

let emu: RunningEmulator;
let c: v1.ClusterManagerClient;
before(async () => {
  emu = await emulator({
    faults: ['GetCluster', 'GetServerConfig'].map((rpc) => ({
      rpc,
      code: 'PERMISSION_DENIED',
      reason: 'SERVICE_DISABLED',
    })),
  });
  c = client(emu);
});
after(async () => {
  await c?.close();
  await emu?.stop();
});

type GaxError = {
  code: number;
  details: string;
  reason?: string;
  domain?: string;
  errorInfoMetadata?: Record<string, string>;
};

void test("the emulator answers a SERVICE_DISABLED fault with Google's ErrorInfo (service, consumer, activationUrl)", async () => {
  const err = (await c.getCluster({ name: clusterName('any') }).then(
    () => assert.fail('accepted'),
    (e: unknown) => e,
  )) as GaxError;
  assert.equal(err.code, status.PERMISSION_DENIED);
  assert.equal(err.reason, 'SERVICE_DISABLED');
  assert.equal(err.domain, 'googleapis.com');
  const md = err.errorInfoMetadata ?? {};
  assert.equal(md.service, 'container.googleapis.com');
  assert.equal(md.serviceTitle, 'Kubernetes Engine API');
  assert.match(md.consumer ?? '', /^projects\/\d{6,}$/);
  const number = (md.consumer ?? '').slice('projects/'.length);
  assert.equal(
    md.activationUrl,
    `https://console.developers.google.com/apis/api/container.googleapis.com/overview?project=${number}`,
  );
  assert.match(
    err.details,
    new RegExp(
      `^Kubernetes Engine API has not been used in project ${number} before or it is disabled\\. Enable it by visiting `,
    ),
  );
});

void test('a SERVICE_DISABLED denial becomes ServiceDisabledError naming the API and the gcloud services enable line', async () => {
  const raw = await c.getCluster({ name: clusterName('any') }).then(
    () => assert.fail('accepted'),
    (e: unknown) => e,
  );
  const err = gkeError(raw, { cluster: clusterName('any') });
  assert.equal(err.type, 'ServiceDisabledError');
  assert.equal(err.nonRetryable, true);
  assert.equal(FAILURES.ServiceDisabledError.retryable, false);
  assert.match(
    err.message,
    /Kubernetes Engine API \(container\.googleapis\.com\) is not enabled in project gkeflow-test/,
  );
  assert.ok(err.message.includes(`gcloud services enable container.googleapis.com --project ${PROJECT}`), err.message);
  assert.equal(err.context.service, 'container.googleapis.com');
});

void test('a PERMISSION_DENIED without that reason stays an IAM denial', () => {
  const err = gkeError({ code: status.PERMISSION_DENIED, details: 'Required "container.clusters.get" permission' }, {});
  assert.equal(err.type, 'PermissionDeniedError');
});

void test("up's GKE preflight warns with the gcloud services enable line (the CLI's quota project may differ from the worker's)", async () => {
  const d = baseDoc();
  d.project = PROJECT;
  d.image.repository = undefined;
  const warnings: string[] = [];
  await checkSpecWithGke(validateSpec(d), 'env.yaml', {
    serverConfig: serverConfigVia({ target: 'local', emulatorAddress: emu.address, registryAddress: '127.0.0.1:1' }),
    warn: (l) => warnings.push(l),
    retryDelayMs: 10,
  });
  assert.equal(warnings.length, 1);
  assert.match(
    warnings[0] ?? '',
    /ServiceDisabledError: .*gcloud services enable container\.googleapis\.com --project gkeflow-test/,
  );
});
