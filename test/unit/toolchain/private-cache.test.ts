import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DEMO_VERSION, ETCD_VERSION } from '../../../src/toolchain/components';
import { pruneToolchain, toolchainDir } from '../../../src/toolchain/disk';
import { ensureToolchain } from '../../../src/toolchain/toolchain';

// A stand-in for `go build`: records the caches it was given, fills them, and writes a binary
// that answers --version like the demo server. Tests the private-cache path without Go.
const FAKE_GO = `#!/bin/sh
echo "$GOMODCACHE $GOCACHE $GOOS/$GOARCH" >> "$FAKE_GO_LOG"
mkdir -p "$GOMODCACHE/example.com/m@v1" "$GOCACHE/00"
head -c 100000 /dev/zero > "$GOMODCACHE/example.com/m@v1/big"
out=""; prev=""
for a in "$@"; do [ "$prev" = "-o" ] && out="$a"; prev="$a"; done
printf '#!/bin/sh\\necho "gkeflow-demo ${DEMO_VERSION} etcd ${ETCD_VERSION}"\\n' > "$out"
chmod +x "$out"
`;

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-private-cache-'));
  const go = path.join(dir, 'go');
  fs.writeFileSync(go, FAKE_GO.replace('${DEMO_VERSION}', DEMO_VERSION).replace('${ETCD_VERSION}', ETCD_VERSION), {
    mode: 0o755,
  });
  const log = path.join(dir, 'go.log');
  const env = { ...process.env, GKEFLOW_CACHE_DIR: path.join(dir, 'cache'), GKEFLOW_GO: go, FAKE_GO_LOG: log };
  return { dir, env, log };
}

void test('a toolchain build uses a private Go cache and removes it afterwards, printing the disk it takes', async () => {
  const { dir, env, log } = setup();
  try {
    const lines: string[] = [];
    const tc = await ensureToolchain({ only: ['demo'], env, log: (l) => lines.push(l) });
    const goCache = path.join(toolchainDir(env), 'go-cache', `run-${process.pid}`);
    const calls = fs.readFileSync(log, 'utf8').trim().split('\n');
    assert.deepEqual(
      calls.map((c) => c.split(' ')[2]),
      ['linux/amd64', 'linux/arm64', '/'],
      'the image platforms, then the host',
    );
    for (const c of calls) assert.ok(c.startsWith(`${goCache}/mod ${goCache}/build `), c);
    assert.equal(fs.existsSync(path.join(toolchainDir(env), 'go-cache')), false, 'the Go cache is gone');
    assert.ok(fs.existsSync(tc.demo));
    for (const f of ['demo-linux-amd64', 'demo-linux-arm64'])
      assert.ok(fs.existsSync(path.join(path.dirname(tc.demo), f)));
    assert.match(lines.join('\n'), /the toolchain takes .* reclaim .*gkeflow stack toolchain --prune/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

void test('--keep-go-cache keeps it for fast rebuilds, and prune reclaims it', async () => {
  const { dir, env } = setup();
  try {
    const lines: string[] = [];
    await ensureToolchain({ only: ['demo'], env, keepGoCache: true, log: (l) => lines.push(l) });
    const goCache = path.join(toolchainDir(env), 'go-cache', 'kept');
    assert.ok(fs.existsSync(path.join(goCache, 'mod', 'example.com', 'm@v1', 'big')));
    assert.match(lines.join('\n'), /the Go cache kept in .*go-cache\/kept takes/);
    const r = await pruneToolchain({ ...env, PATH: '' });
    assert.deepEqual(
      r.removed.map((x) => path.basename(x.path)),
      ['go-cache'],
    );
    assert.ok(r.removed[0]!.bytes >= 100_000);
    assert.equal(fs.existsSync(goCache), false);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

void test('one toolchain run shares one private Go cache across the components it builds (the k8s.io modules are fetched once)', async () => {
  const { dir, env, log } = setup();
  try {
    const lines: string[] = [];
    await ensureToolchain({ only: ['etcd', 'demo'], env, log: (l) => lines.push(l) });
    const caches = new Set(
      fs
        .readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((c) => c.split(' ').slice(0, 2).join(' ')),
    );
    assert.equal(caches.size, 1, `one module and build cache for etcd and demo, got ${[...caches].join(' | ')}`);
    assert.equal(fs.existsSync(path.join(toolchainDir(env), 'go-cache')), false, 'removed once, at the end');
    assert.equal(lines.filter((l) => /the toolchain takes/.test(l)).length, 1, 'one disk note for the run');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
