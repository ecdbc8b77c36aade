import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  checkEndpoints,
  LOCAL_PORTS,
  PORT_ENV,
  readEndpoints,
  TASK_QUEUES,
  taskQueueFor,
  type PortName,
} from '../../../src/config/endpoints';
import { UsageError } from '../../../src/config/errors';
import { stackConfig } from '../../../src/stack/config';
import { repoRoot } from '../../../src/paths';
import { temporalConfig } from '../../../src/temporal/connection';

void describe('endpoints of the local stack', () => {
  void it('defaults to the documented ports, addresses and queues', () => {
    const e = readEndpoints({});
    assert.deepEqual(
      { ...e.ports },
      {
        temporal: 7233,
        ui: 8233,
        registry: 5000,
        emulator: 8090,
        emulatorAdmin: 8091,
        codec: 8092,
        uiBackend: 8234,
      },
    );
    assert.equal(e.temporalAddress, '127.0.0.1:7233');
    assert.equal(e.uiUrl, 'http://127.0.0.1:8233');
    assert.equal(e.emulatorAddress, '127.0.0.1:8090');
    assert.equal(e.registryAddress, '127.0.0.1:5000');
    assert.equal(e.taskQueue, undefined);
    assert.equal(taskQueueFor('local', e), 'gkeflow');
    assert.equal(taskQueueFor('gcp', e), 'gkeflow-gcp');
  });

  void it('follows a stack moved by its port variables', () => {
    const e = readEndpoints({
      GKEFLOW_TEMPORAL_PORT: '17233',
      GKEFLOW_UI_PORT: '18233',
      GKEFLOW_REGISTRY_PORT: '15000',
      GKEFLOW_EMULATOR_PORT: '18090',
      GKEFLOW_EMULATOR_ADMIN_PORT: '18091',
    });
    assert.deepEqual(
      [e.temporalAddress, e.uiUrl, e.registryAddress, e.emulatorAddress, e.ports.emulatorAdmin],
      ['127.0.0.1:17233', 'http://127.0.0.1:18233', '127.0.0.1:15000', '127.0.0.1:18090', 18091],
    );
  });

  void it('lets an explicit address beat the port, a flag beat the env, and an explicit queue beat every target', () => {
    const e = readEndpoints(
      {
        GKEFLOW_EMULATOR_PORT: '1',
        GKEFLOW_EMULATOR_ADDRESS: 'emu:2',
        TEMPORAL_ADDRESS: 'tmprl.example:7233',
        GKEFLOW_UI_URL: 'https://ui.example/',
        GKEFLOW_TASK_QUEUE: 'mine',
      },
      { GKEFLOW_REGISTRY_ADDRESS: 'reg:3' },
    );
    assert.equal(e.emulatorAddress, 'emu:2');
    assert.equal(e.registryAddress, 'reg:3');
    assert.equal(e.temporalAddress, 'tmprl.example:7233');
    assert.equal(e.uiUrl, 'https://ui.example', 'trailing slash dropped');
    assert.equal(taskQueueFor('gcp', e), 'mine');
  });

  void it('treats an empty variable as unset', () => {
    assert.deepEqual(
      readEndpoints({ GKEFLOW_UI_PORT: '', TEMPORAL_ADDRESS: '', GKEFLOW_TASK_QUEUE: '' }),
      readEndpoints({}),
    );
  });

  void it('reports every malformed value at once as a usage error naming each variable', () => {
    const env = {
      GKEFLOW_TEMPORAL_PORT: '0',
      GKEFLOW_UI_PORT: 'http',
      GKEFLOW_EMULATOR_ADDRESS: 'nope',
      TEMPORAL_ADDRESS: 'a b',
      GKEFLOW_UI_URL: 'ftp://x',
    };
    assert.throws(
      () => readEndpoints(env),
      (e: Error) =>
        e instanceof UsageError &&
        e.exitCode === 2 &&
        /GKEFLOW_TEMPORAL_PORT=0: must be a port number 1\.\.65535/.test(e.message) &&
        /GKEFLOW_UI_PORT=http/.test(e.message) &&
        /GKEFLOW_EMULATOR_ADDRESS must be host:port \(got 'nope'\)/.test(e.message) &&
        /TEMPORAL_ADDRESS must be host:port/.test(e.message) &&
        /GKEFLOW_UI_URL must be an http\(s\) URL/.test(e.message),
    );
    assert.equal(checkEndpoints(env).problems.length, 5);
    assert.throws(() => stackConfig({ GKEFLOW_REGISTRY_PORT: '70000' }), /GKEFLOW_REGISTRY_PORT=70000/);
    assert.throws(() => temporalConfig({ GKEFLOW_TEMPORAL_PORT: 'x' }), /GKEFLOW_TEMPORAL_PORT=x/);
  });

  void it('is frozen', () => {
    const e = readEndpoints({});
    assert.ok(Object.isFrozen(e) && Object.isFrozen(e.ports));
    assert.ok(Object.isFrozen(stackConfig({})));
  });

  void it('gives the stack, the Temporal connection and the clients the same view', () => {
    const env = { GKEFLOW_TEMPORAL_PORT: '17233', GKEFLOW_UI_PORT: '18233', GKEFLOW_TASK_QUEUE: 'q' };
    const s = stackConfig(env);
    const t = temporalConfig(env);
    assert.equal(t.address, `127.0.0.1:${s.ports.temporal}`);
    assert.equal(t.uiUrl, `http://127.0.0.1:${s.ports.ui}`);
    assert.equal(s.taskQueue, 'q');
    assert.equal(t.taskQueue, 'q');
  });
});

void describe('the docs state the endpoints of the contract', () => {
  for (const doc of ['README.md', 'docs/local-stack.md']) {
    void it(`${doc} gives each port variable its default and names the task queues`, () => {
      const lines = fs.readFileSync(path.join(repoRoot, doc), 'utf8').split('\n');
      for (const k of Object.keys(LOCAL_PORTS) as PortName[]) {
        const rows = lines.filter((l) => l.startsWith('|') && l.includes(`\`${PORT_ENV[k]}\``));
        assert.ok(rows.length > 0, `${doc}: a table row names ${PORT_ENV[k]}`);
        for (const r of rows)
          assert.ok(r.includes(String(LOCAL_PORTS[k])), `${doc}: ${PORT_ENV[k]} row says ${LOCAL_PORTS[k]}: ${r}`);
      }
      assert.ok(
        lines.some((l) => l.includes(`task queue \`${TASK_QUEUES.local}\``)),
        `${doc}: names the local task queue`,
      );
    });
  }
});
