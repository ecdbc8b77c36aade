// A fault rule scoped to a resource fires only for requests in it (one project that cannot be listed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaultInjector } from '../../../src/emulator/faults';

void test('a fault rule with resource fires only for requests at or below that resource', () => {
  const f = new FaultInjector([{ rpc: 'ListClusters', code: 'PERMISSION_DENIED', resource: 'projects/denied' }]);
  assert.equal(f.check('ListClusters', undefined, 'projects/denied/locations/-')?.code, 7);
  assert.equal(f.check('ListClusters', undefined, 'projects/denied')?.code, 7);
  assert.equal(f.check('ListClusters', undefined, 'projects/allowed/locations/-'), undefined);
  assert.equal(f.check('ListClusters', undefined, 'projects/denied-not/locations/-'), undefined);
  assert.equal(f.check('ListClusters', undefined), undefined, 'a request naming no resource is not in it');
});

void test('a fault rule with a resource that is not a resource name is refused, naming the field', () => {
  assert.throws(
    () => new FaultInjector([{ rpc: '*', code: 'UNAVAILABLE', resource: 'denied' }]),
    /faults\[0\]\.resource must be a resource name/,
  );
});
