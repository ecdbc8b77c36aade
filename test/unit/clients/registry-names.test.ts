import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseChallenge } from '../../../src/clients/distribution';
import {
  isGoogleRegistryHost,
  resolveRepository,
  splitReference,
  splitRepository,
} from '../../../src/clients/registry';

const local = { target: 'local' as const, emulatorAddress: 'a:1', registryAddress: '127.0.0.1:5000' };

void describe('registry names', () => {
  void it('splits repositories and references the way docker does', () => {
    assert.deepEqual(splitRepository('asia-docker.pkg.dev/p/r/img'), { host: 'asia-docker.pkg.dev', name: 'p/r/img' });
    assert.deepEqual(splitRepository('127.0.0.1:5000/p/img'), { host: '127.0.0.1:5000', name: 'p/img' });
    assert.deepEqual(splitRepository('busybox'), { host: 'docker.io', name: 'library/busybox' });
    assert.deepEqual(splitRepository('someone/app'), { host: 'docker.io', name: 'someone/app' });
    assert.deepEqual(splitReference('127.0.0.1:5000/p/img:v1'), { repository: '127.0.0.1:5000/p/img', ref: 'v1' });
    assert.deepEqual(splitReference('127.0.0.1:5000/p/img'), { repository: '127.0.0.1:5000/p/img', ref: 'latest' });
    assert.deepEqual(splitReference(`h.io/p/img@sha256:${'0'.repeat(64)}`), {
      repository: 'h.io/p/img',
      ref: `sha256:${'0'.repeat(64)}`,
    });
  });

  void it('knows Artifact Registry and gcr.io hosts', () => {
    for (const h of ['asia-docker.pkg.dev', 'us-central1-docker.pkg.dev', 'gcr.io', 'eu.gcr.io'])
      assert.ok(isGoogleRegistryHost(h), h);
    for (const h of ['docker.io', 'ghcr.io', '127.0.0.1:5000', 'pkg.dev']) assert.ok(!isGoogleRegistryHost(h), h);
  });

  void it('leaves other registries alone on the local target (sources only) and loopback names as they are', () => {
    const { credentials, ...loopback } = resolveRepository('127.0.0.1:6000/x/y', local);
    assert.deepEqual(loopback, {
      base: 'http://127.0.0.1:6000',
      host: '127.0.0.1:6000',
      name: 'x/y',
    });
    assert.equal(typeof credentials, 'function', "the user's Docker credentials, asked on a challenge");
    assert.equal(resolveRepository('busybox', local).base, 'https://registry-1.docker.io');
    assert.throws(() => resolveRepository('asia-docker.pkg.dev/', local), { name: 'InvalidArgumentError' });
  });

  void it('parses Bearer and Basic challenges', () => {
    assert.deepEqual(
      parseChallenge(
        'Bearer realm="https://asia-docker.pkg.dev/v2/token",service="asia-docker.pkg.dev",scope="repository:p/r/i:pull"',
      ),
      {
        scheme: 'bearer',
        params: {
          realm: 'https://asia-docker.pkg.dev/v2/token',
          service: 'asia-docker.pkg.dev',
          scope: 'repository:p/r/i:pull',
        },
      },
    );
    assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), {
      scheme: 'basic',
      params: { realm: 'Registry Realm' },
    });
  });
});
