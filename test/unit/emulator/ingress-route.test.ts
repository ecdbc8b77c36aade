/**
 * How the local data plane routes a request through an Ingress (src/emulator/dataplane/ingress-proxy.ts),
 * as GKE's HTTP load balancer does: host, then the longest path, else the default backend.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Ingress } from '@kubernetes/client-node';
import { ingressRoute } from '../../../src/emulator/dataplane/ingress-proxy';

const svc = (name: string, number = 80) => ({ service: { name, port: { number } } });
const ing: V1Ingress = {
  spec: {
    defaultBackend: svc('web'),
    rules: [
      {
        host: 'api.example.com',
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: svc('api', 8080) }] },
      },
      {
        host: '*.example.com',
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: svc('wild') }] },
      },
      {
        http: {
          paths: [
            { path: '/api', pathType: 'Prefix', backend: svc('api', 8080) },
            { path: '/api/health', pathType: 'Exact', backend: svc('health') },
            { path: '/static/*', pathType: 'ImplementationSpecific', backend: svc('static') },
            { path: '/exact', pathType: 'ImplementationSpecific', backend: svc('exact') },
          ],
        },
      },
    ],
  },
};
const to = (host: string, path: string) => ingressRoute(ing, host, path)?.service;

void test('routes by host first: exact, then wildcard, then rules without a host', () => {
  assert.equal(to('api.example.com', '/anything'), 'api');
  assert.equal(to('API.example.com:80', '/'), 'api');
  assert.equal(to('shop.example.com', '/'), 'wild');
  assert.equal(to('a.b.example.com', '/api'), 'api', 'a wildcard covers one label only');
  assert.equal(to('127.1.2.3', '/api'), 'api');
});

void test('the longest path wins, Exact over Prefix; Prefix matches whole path elements', () => {
  assert.equal(to('127.1.2.3', '/api/health'), 'health');
  assert.equal(to('127.1.2.3', '/api/health/x'), 'api');
  assert.equal(to('127.1.2.3', '/api/'), 'api');
  assert.equal(to('127.1.2.3', '/apis'), 'web', '/api does not match /apis');
  assert.equal(to('127.1.2.3', '/static/app.js'), 'static', "GKE's /x/* is a prefix");
  assert.equal(to('127.1.2.3', '/exact'), 'exact');
  assert.equal(to('127.1.2.3', '/exact/more'), 'web', 'ImplementationSpecific without * is exact on GKE');
});

void test("no match goes to the default backend, and without one to GKE's default backend", () => {
  assert.deepEqual(ingressRoute(ing, 'x', '/'), { service: 'web', port: 80 });
  assert.equal(ingressRoute({ spec: { rules: [] } }, 'x', '/'), undefined);
  assert.deepEqual(ingressRoute(ing, 'api.example.com', '/'), { service: 'api', port: 8080 });
});
