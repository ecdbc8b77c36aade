import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { LoadBalancer, type Backend } from '../../../src/emulator/dataplane/load-balancer';
import { kwokStages, LB_RELEASED_ANNOTATION } from '../../../src/emulator/runtime/kwok-stages';
import { freePort } from '../../../src/process/process';
import { startDemoProcess, stopDemoProcess } from '../../../src/emulator/dataplane/demo-processes';
import { ensureToolchain } from '../../../src/toolchain/toolchain';

const get = async (url: string) => {
  const res = await fetch(url, { headers: { Connection: 'close' } });
  return { status: res.status, pod: res.headers.get('x-pod-name'), body: await res.text() };
};

void test('a load balancer spreads connections over its pods: real servers piped, others answered as simulated', async () => {
  const real = http.createServer((_q, r) => r.writeHead(200, { 'X-Pod-Name': 'web-real' }).end('real answer'));
  await new Promise<void>((r) => real.listen(0, '127.0.0.1', r));
  let backends: Backend[] = [
    { pod: 'web-real', image: 'demo', port: (real.address() as AddressInfo).port },
    { pod: 'web-sim', image: 'nginx:1.27' },
  ];
  const port = await freePort();
  const lb = await LoadBalancer.listen('127.0.0.9', port, () => backends);
  try {
    const answers = [await get(`http://127.0.0.9:${port}/`), await get(`http://127.0.0.9:${port}/`)];
    assert.deepEqual(answers.map((a) => a.pod).sort(), ['web-real', 'web-sim']);
    const sim = answers.find((a) => a.pod === 'web-sim')!;
    assert.equal(sim.status, 200);
    assert.match(sim.body, /web-sim/);
    assert.match(sim.body, /simulated/);
    assert.match(sim.body, /nginx:1\.27/);
    assert.equal(answers.find((a) => a.pod === 'web-real')!.body, 'real answer');
    backends = [];
    assert.equal((await get(`http://127.0.0.9:${port}/`)).status, 503, 'no ready pod');
  } finally {
    await lb.close();
    real.close();
  }
  await assert.rejects(fetch(`http://127.0.0.9:${port}/`), 'closed: nothing listens');
});

void test('with a data plane, the release stages wait for its annotation; without, they do not', () => {
  const release = (dataPlane: boolean) =>
    kwokStages({ provisionMs: 1, releaseMs: 1, dataPlane }).filter(
      (s) => s.metadata.name.startsWith('service-lb-de') || s.metadata.name === 'service-lb-release',
    );
  for (const s of release(true))
    assert.deepEqual((s.spec.selector as { matchAnnotations?: object }).matchAnnotations, {
      [LB_RELEASED_ANNOTATION]: 'true',
    });
  for (const s of release(false))
    assert.equal((s.spec.selector as { matchAnnotations?: object }).matchAnnotations, undefined);
  assert.equal(release(true).length, 2);
});

void test('a demo pod runs the real demo server, which names its pod and exits when its supervisor goes', async () => {
  const { demo } = await ensureToolchain({ only: ['demo'] });
  const p = await startDemoProcess(demo, 'web-7d9c-abcde');
  try {
    const res = await get(`http://127.0.0.1:${p.port}/`);
    assert.equal(res.status, 200);
    assert.equal(res.pod, 'web-7d9c-abcde');
    assert.match(res.body, /Served by pod <b id="pod">web-7d9c-abcde<\/b>/);
    const exited = new Promise((r) => p.child.once('exit', r));
    p.child.stdin?.end(); // what the emulator's death does to the pipe
    await exited;
  } finally {
    await stopDemoProcess(p);
  }
});
