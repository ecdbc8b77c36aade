import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../../src/activities/index';
import { LOCAL_PROBE_SKIPPED, probeActivities } from '../../../src/activities/probe';
import type { TargetConfig } from '../../../src/clients/config';
import type { GkeClient } from '../../../src/clients/gke';
import { STEPS } from '../../../src/contract/steps';

const local: TargetConfig = { target: 'local', emulatorAddress: '127.0.0.1:1', registryAddress: '127.0.0.1:2' };

async function server(statuses: number[]): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let n = 0;
  const s = http.createServer((_req, res) =>
    res.writeHead(statuses[Math.min(n++, statuses.length - 1)] ?? 200).end('ok'),
  );
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/`,
    hits: () => n,
    close: () => new Promise((r) => s.close(() => r())),
  };
}

void describe('probeEndpoint', () => {
  void it('skips simulated endpoints on the local target and says why', async () => {
    const { probeEndpoint } = probeActivities({ config: local });
    const r = await probeEndpoint({ url: 'http://203.0.113.7:8888/' });
    assert.deepEqual(r, { ok: true, skipped: LOCAL_PROBE_SKIPPED });
    assert.match(r.skipped!, /kwok/);
  });

  void it('keeps trying while the load balancer answers 502, then reports the status it got', async () => {
    const srv = await server([502, 502, 200]);
    try {
      const { probeEndpoint } = probeActivities({
        config: { ...local, target: 'gcp' },
        intervalMs: 20,
        windowMs: 5000,
      });
      assert.deepEqual(await probeEndpoint({ url: srv.url }), { ok: true, status: 200 });
      assert.equal(srv.hits(), 3);
      const { probeEndpoint: short } = probeActivities({
        config: { ...local, target: 'gcp' },
        intervalMs: 20,
        windowMs: 100,
      });
      assert.deepEqual(await short({ url: srv.url, expectStatus: 204 }), { ok: false, status: 200 });
    } finally {
      await srv.close();
    }
  });

  void it('reports a refused connection as not ok without a status', async () => {
    const { probeEndpoint } = probeActivities({ config: local, intervalMs: 10, windowMs: 50 });
    assert.deepEqual(await probeEndpoint({ url: 'http://127.0.0.1:9/' }), { ok: false });
  });
});

void describe('createActivities', () => {
  void it('turns typed errors into ApplicationFailures that Temporal retries or not by type', async () => {
    const gke = {
      getCluster: () => Promise.reject(Object.assign(new Error('denied'), { code: 7 })),
    } as unknown as GkeClient;
    const acts = createActivities({ config: local, gke, kubeFor: () => Promise.reject(new Error('unused')) });
    const env = { id: 'gkeflow/p/l/c', project: 'p', location: 'l', cluster: 'c' };
    await assert.rejects(acts.deleteCluster({ env }), (e: unknown) => {
      assert.ok(e instanceof ApplicationFailure);
      assert.equal(e.type, 'PermissionDeniedError');
      assert.equal(e.nonRetryable, true);
      return true;
    });
    // Every step of the walkthrough is an activity the worker registers (others, e.g. the reaper's, come on top).
    assert.deepEqual(
      Object.keys(STEPS).filter((step) => !(step in acts)),
      [],
    );
  });
});
