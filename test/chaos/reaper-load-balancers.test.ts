// An orphan whose cluster holds a LoadBalancer Service gkeflow never made (created by hand with
// kubectl, in a namespace of its own): `gkeflow reap` must release that load balancer too before
// the cluster goes. GKE does not release a deleted cluster's forwarding rules, so the emulator
// records any LoadBalancer left at delete time as a leak, and the inventory check sees it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ChaosStack, waitFor } from '../helpers/chaos-stack';
import { runCli } from '../helpers/cli';
import { ensureToolchain } from '../../src/toolchain/toolchain';
import {
  chaosCase,
  describeInventory,
  EMPTY,
  EMULATOR_ENV,
  fullName,
  inventory,
  LOCATION,
  PROJECT,
  startRun,
  sweep,
  waitProvisioned,
} from './scenario';

const run = promisify(execFile);

let stack: ChaosStack;
let kubectl: string;
before(async () => {
  kubectl = (await ensureToolchain({ only: ['kubernetes'] })).kubectl;
  stack = await ChaosStack.start({ emulatorEnv: EMULATOR_ENV });
  await stack.startWorker();
});
after(async () => {
  await stack?.stop();
});

void test('an orphan with a LoadBalancer Service made by hand: its LB is released before the cluster goes', async () => {
  await chaosCase(stack, 'reaper-load-balancers', 'orphan with a hand-made LoadBalancer', async () => {
    const cluster = 'lb-by-hand';
    const handle = await startRun(stack, cluster);
    await waitProvisioned(handle);
    await handle.terminate('chaos: leave an orphan for the reaper');
    const dir = fs.mkdtempSync(path.join(process.env.GKEFLOW_TEST_TMP ?? os.tmpdir(), 'chaos-kube-'));
    try {
      const name = `projects/${PROJECT}/locations/${LOCATION}/clusters/${cluster}`;
      const res = await fetch(`${stack.adminUrl}/kubeconfig?cluster=${encodeURIComponent(name)}`);
      assert.equal(res.status, 200, 'the emulator hands out the kubeconfig');
      const kubeconfig = path.join(dir, 'kubeconfig');
      fs.writeFileSync(kubeconfig, await res.text(), { mode: 0o600 });
      const k = (...args: string[]) => run(kubectl, ['--kubeconfig', kubeconfig, ...args]);
      await k('create', 'namespace', 'someone-else');
      await k('create', 'service', 'loadbalancer', 'by-hand', '--tcp=80:8080', '-n', 'someone-else');
      await waitFor('the hand-made Service gets its external IP', async () => {
        const { stdout } = await k(
          'get',
          'service',
          'by-hand',
          '-n',
          'someone-else',
          '-o',
          'jsonpath={.status.loadBalancer.ingress[0].ip}',
        );
        return stdout.trim() !== '';
      });
      const left = await inventory(stack);
      assert.equal(left.kube[fullName(cluster)]?.services['someone-else/by-hand'], 'LoadBalancer');
      const r = await runCli(['reap', '--yes', '--project', PROJECT, '--orphan-grace', '0s'], stack.cliEnv(), 240_000);
      assert.equal(r.code, 0, `gkeflow reap: ${r.stdout} ${r.stderr}`);
      const reaped = await inventory(stack);
      assert.deepEqual(reaped.leaks, [], 'no load balancer leaked');
      assert.deepEqual(reaped, EMPTY, 'gkeflow reap leaves nothing');
      return `left: ${describeInventory(left)}; gkeflow reap: ${describeInventory(reaped)}`;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await sweep(stack);
    }
  });
});
