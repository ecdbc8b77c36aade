// The worker reads its endpoints once per process and builds the target and Temporal settings from that one read.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ENDPOINT_ENV, PORT_ENV } from '../../../src/config/endpoints';
import { workerConfig } from '../../../src/worker';

void it('reads each endpoint variable once for the target and the Temporal settings together', () => {
  const reads = new Map<string, number>();
  const base: NodeJS.ProcessEnv = { GKEFLOW_CODEC: 'off', GKEFLOW_EMULATOR_ADDRESS: '127.0.0.1:7001' };
  // Unset ones only: a set variable is also read when Temporal's profile loader walks the whole env;
  // TEMPORAL_ADDRESS is also what decides between a Temporal profile's address and the endpoints'.
  const watched = new Set<string>(
    [...Object.values(PORT_ENV), ...Object.values(ENDPOINT_ENV)].filter(
      (k) => !(k in base) && k !== ENDPOINT_ENV.temporalAddress,
    ),
  );
  const env = new Proxy(base, {
    get(t, k) {
      if (typeof k === 'string' && watched.has(k)) reads.set(k, (reads.get(k) ?? 0) + 1);
      return Reflect.get(t, k) as unknown;
    },
  });
  const cfg = workerConfig(env);
  assert.equal(cfg.target.emulatorAddress, '127.0.0.1:7001');
  assert.equal(cfg.taskQueue, 'gkeflow');
  const twice = [...reads].filter(([, n]) => n > 1).map(([k, n]) => `${k}×${n}`);
  assert.deepEqual(twice, [], 'no endpoint variable is read twice');
  assert.ok(reads.size > 0, 'the endpoints were read');
});
