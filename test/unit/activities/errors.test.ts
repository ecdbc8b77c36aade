import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { ApplicationFailure } from '@temporalio/common';
import * as errors from '../../../src/contract/activity-errors';
import { gkeError } from '../../../src/clients/gke-errors';
import { kubeError } from '../../../src/clients/kube-errors';
import { registryError, registryNetworkError } from '../../../src/clients/registry-errors';
import { FAILURES, failureTypesOf, NON_RETRYABLE_TYPES } from '../../../src/contract/failures';
import { toTemporalFailure } from '../../../src/contract/temporal-failures';

const ctx = { cluster: 'projects/p/locations/l/clusters/c' };

void describe('error classes', () => {
  void it('have one class per activity failure type in the registry, named after it, with its retryability', () => {
    const classes = Object.entries(errors).filter(
      ([, C]) => typeof C === 'function' && C.prototype instanceof errors.ActivityError,
    );
    assert.deepEqual(classes.map(([n]) => n).sort(), failureTypesOf('activity').sort());
    for (const t of failureTypesOf('activity')) {
      const e = new (errors as unknown as Record<string, new (m: string) => errors.ActivityError>)[t]!('x');
      assert.equal(e.name, t);
      assert.equal(e.nonRetryable, !FAILURES[t].retryable, t);
      assert.equal(NON_RETRYABLE_TYPES.includes(t), e.nonRetryable, `${t} in the workers' non-retryable list`);
    }
  });

  void it('are told apart by class or registered type, never by matching a .name string', () => {
    const src = path.join(__dirname, '..', '..', '..', 'src');
    const files = fs.readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const hits = files.filter((f) =>
      /\.name\s*[!=]==?\s*'[A-Z]\w*Error'/.test(fs.readFileSync(path.join(src, f), 'utf8')),
    );
    assert.deepEqual(hits, []);
  });

  void it('become ApplicationFailures typed by class name, carrying the context', () => {
    const f = toTemporalFailure(new errors.NameTakenError('taken', ctx));
    assert.ok(f instanceof ApplicationFailure);
    assert.equal(f.type, 'NameTakenError');
    assert.equal(f.nonRetryable, true);
    assert.deepEqual(f.details, [ctx]);
    const plain = new Error('bug');
    assert.equal(toTemporalFailure(plain), plain);
  });
});

void describe('gkeError (gRPC status → failure type)', () => {
  const cases: Array<[number, string, string?]> = [
    [status.FAILED_PRECONDITION, 'IncompatibleOperationError'],
    [status.UNAVAILABLE, 'TransientCloudError'],
    [status.DEADLINE_EXCEEDED, 'TransientCloudError'],
    [status.INTERNAL, 'TransientCloudError'],
    [status.ABORTED, 'TransientCloudError'],
    [status.RESOURCE_EXHAUSTED, 'QuotaExceededError'],
    [status.RESOURCE_EXHAUSTED, 'TransientCloudError', 'RATE_LIMIT_EXCEEDED'],
    [status.PERMISSION_DENIED, 'PermissionDeniedError'],
    [status.UNAUTHENTICATED, 'PermissionDeniedError'],
    [status.INVALID_ARGUMENT, 'InvalidArgumentError'],
    [status.NOT_FOUND, 'ResourceNotFoundError'],
    [status.ALREADY_EXISTS, 'NameTakenError'],
    [status.UNIMPLEMENTED, 'InvalidArgumentError'],
  ];
  for (const [code, type, reason] of cases) {
    void it(`maps ${status[code]}${reason ? ` (${reason})` : ''} to ${type}`, () => {
      const e = gkeError(Object.assign(new Error('boom'), { code, details: 'boom', reason }), ctx);
      assert.equal(e.name, type);
      assert.equal(e.context.cluster, ctx.cluster);
    });
  }
  void it("maps GKE's create-time quota refusal (PERMISSION_DENIED 'Insufficient regional quota') to QuotaExceededError", () => {
    const details =
      "Insufficient regional quota to satisfy request: resource \"CPUS\": request requires '12.0' and is short '4.0'.";
    const e = gkeError(Object.assign(new Error(details), { code: status.PERMISSION_DENIED, details }), ctx);
    assert.equal(e.name, 'QuotaExceededError');
    assert.equal(e.nonRetryable, true);
  });
  void it('maps a PERMISSION_DENIED carrying ErrorInfo reason QUOTA_EXCEEDED to QuotaExceededError', () => {
    const err = Object.assign(new Error('no'), {
      code: status.PERMISSION_DENIED,
      details: 'no',
      reason: 'QUOTA_EXCEEDED',
    });
    assert.equal(gkeError(err, ctx).name, 'QuotaExceededError');
  });
  void it('treats an error without a code (network) as transient', () => {
    assert.equal(gkeError(new Error('socket hang up'), ctx).name, 'TransientCloudError');
  });
});

void describe('kubeError (HTTP status → failure type)', () => {
  const cases: Array<[number | undefined, string]> = [
    [400, 'InvalidArgumentError'],
    [422, 'InvalidArgumentError'],
    [401, 'PermissionDeniedError'],
    [403, 'PermissionDeniedError'],
    [404, 'ResourceNotFoundError'],
    [409, 'TransientCloudError'],
    [429, 'TransientCloudError'],
    [500, 'TransientCloudError'],
    [undefined, 'TransientCloudError'],
  ];
  for (const [code, type] of cases) {
    void it(`maps ${code ?? 'a network error'} to ${type} and keeps only the Status message`, () => {
      const err = Object.assign(new Error('HTTP-Code: x\nHeaders: {"set-cookie":"secret"}'), {
        code,
        body: JSON.stringify({ kind: 'Status', message: 'deployments.apps "x" not found' }),
      });
      const e = kubeError(err, { name: 'x' });
      assert.equal(e.name, type);
      assert.ok(!e.message.includes('secret'));
    });
  }
});

void describe('registryError (HTTP status + OCI code → failure type)', () => {
  void it('maps by status and side', () => {
    assert.equal(registryError(401, '', 'destination', {}).name, 'PermissionDeniedError');
    assert.equal(registryError(403, '{"errors":[{"code":"DENIED"}]}', 'destination', {}).name, 'PermissionDeniedError');
    assert.equal(
      registryError(404, '{"errors":[{"code":"MANIFEST_UNKNOWN"}]}', 'source', {}).name,
      'ImageNotFoundError',
    );
    assert.equal(registryError(404, '', 'destination', {}).name, 'ResourceNotFoundError');
    assert.equal(
      registryError(400, '{"errors":[{"code":"DIGEST_INVALID"}]}', 'destination', {}).name,
      'InvalidArgumentError',
    );
    assert.equal(registryError(429, '', 'destination', {}).name, 'TransientCloudError');
    assert.equal(registryError(503, '', 'source', {}).name, 'TransientCloudError');
    const net = registryNetworkError(
      Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }),
      {},
    );
    assert.equal(net.name, 'TransientCloudError');
    assert.equal(net.context.errno, 'ECONNREFUSED');
  });
});
