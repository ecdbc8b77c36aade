// The real Temporal server and helm are on-demand components: the default set (every stack and
// test run) never builds them; each is built only when named (helm: when an app.helm is rendered).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { components } from '../../../src/toolchain/components';
import { ensureToolchain } from '../../../src/toolchain/toolchain';

void test('the default toolchain set skips on-demand components; naming one builds it', async () => {
  assert.deepEqual(
    components.filter((c) => c.onDemand).map((c) => c.name),
    ['temporal-server', 'helm'],
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'on-demand-'));
  const fake = path.join(dir, 'fake');
  fs.writeFileSync(fake, '#!/bin/sh\necho fake\n', { mode: 0o755 });
  // Every default tool overridden, no Go: anything the default set tried to build would fail.
  const env: NodeJS.ProcessEnv = { GKEFLOW_CACHE_DIR: dir, GKEFLOW_GO: path.join(dir, 'no-go'), PATH: '' };
  for (const c of components.filter((x) => !x.onDemand)) for (const t of c.tools) env[t.envVar] = fake;
  const warn = process.emitWarning;
  process.emitWarning = () => undefined; // the fake's version differs; that only warns
  try {
    const tc = await ensureToolchain({ env });
    assert.equal(tc['temporal-server'], undefined);
    assert.equal(tc.helm, undefined);
    assert.equal(tc.temporal, fake);
    await assert.rejects(ensureToolchain({ env, only: ['temporal-server'] }), /GKEFLOW_GO/);
    await assert.rejects(ensureToolchain({ env, only: ['helm'] }), /GKEFLOW_GO/);
  } finally {
    process.emitWarning = warn;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
