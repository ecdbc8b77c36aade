// The local stack's codec server requires a token (issue 18): it lives in a 0600 file under the
// state dir, only its path reaches a command line, and the dev server's UI gets an endpoint with no
// secret in it (the front on the UI's port serves the codec under the UI's origin).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureLocalTokenFile, localTokenFile } from '../../../src/codec/keys';
import { stackConfig } from '../../../src/stack/config';
import { stackServices } from '../../../src/stack/services';
import type { Toolchain } from '../../../src/toolchain/toolchain';

void test("the stack's codec server and Web UI front take the token from a 0600 file; no argv or env holds it", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'codec-token-'));
  try {
    const file = ensureLocalTokenFile(dir);
    assert.equal(file, localTokenFile(dir));
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const token = fs.readFileSync(file, 'utf8').trim();
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.equal(ensureLocalTokenFile(dir), file);
    assert.equal(fs.readFileSync(file, 'utf8').trim(), token, 'kept across restarts');

    const cfg = stackConfig({ GKEFLOW_STATE_DIR: dir });
    const tc = { temporal: '/bin/temporal', registry: '/bin/registry' } as unknown as Toolchain;
    const commands = Object.fromEntries(stackServices().map((s) => [s.name, s.command(cfg, tc)]));
    for (const [name, c] of Object.entries(commands)) {
      assert.equal(c.args.join(' ').includes(token), false, `${name}: no token in argv`);
      assert.equal(JSON.stringify(c.env ?? {}).includes(token), false, `${name}: no token in env`);
    }
    const codec = commands['codec-server']!.args;
    assert.equal(codec[codec.indexOf('--token-file') + 1], file, 'the codec server requires the token');
    assert.equal(codec[codec.indexOf('--ui-port') + 1], String(cfg.ports.ui), 'and holds the Web UI port');
    assert.equal(codec[codec.indexOf('--ui-backend') + 1], `http://127.0.0.1:${cfg.ports.uiBackend}`);
    const temporal = commands.temporal!.args;
    assert.equal(temporal[temporal.indexOf('--ui-port') + 1], String(cfg.ports.uiBackend));
    assert.equal(temporal[temporal.indexOf('--ui-codec-endpoint') + 1], `http://127.0.0.1:${cfg.ports.ui}/codec`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
