// How each component is built: the go commands and their flags (issue 23, the newcomer's cold start).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../src/paths';
import { components } from '../../../src/toolchain/components';
import { goExecName, goInvocations } from '../../../src/toolchain/toolchain';

const byName = (n: string) => components.find((c) => c.name === n)!;
const out = '/tmp/entry.tmp-1';

void test('every go command skips compiler DWARF that -ldflags -w drops anyway, and strips at link', () => {
  for (const c of components)
    for (const inv of goInvocations(c, out)) {
      assert.ok(inv.args.includes('-gcflags=all=-dwarf=false'), `${c.name}: ${inv.args.join(' ')}`);
      const ld = inv.args[inv.args.indexOf('-ldflags') + 1]!;
      assert.match(ld, /^-s -w( |$)/, `${c.name} links without symbol table and DWARF`);
    }
});

void test('every go command trims paths, so one build reuses the standard library another compiled', () => {
  // -trimpath is part of the Go build cache's key: an install without it compiled ~100 std packages again.
  for (const c of components)
    for (const inv of goInvocations(c, out))
      assert.ok(inv.args.includes('-trimpath'), `${c.name}: ${inv.args.join(' ')}`);
});

void test("a wrapper module's binaries are built by one go build into the entry directory", () => {
  const kube = goInvocations(byName('kubernetes'), out);
  assert.equal(kube.length, 1, 'one go command links one binary while it compiles the next');
  const args = kube[0]!.args;
  assert.equal(args[args.indexOf('-o') + 1], out + path.sep, '-o DIR/ builds every package named');
  assert.deepEqual(
    args.slice(-4),
    ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'].map((c) => `k8s.io/kubernetes/cmd/${c}`),
  );
  for (const f of ['-trimpath', '-buildvcs=false', '-mod=readonly']) assert.ok(args.includes(f), f);
  // One package: -o names the file, so a package whose directory is not the tool's name still lands right.
  const etcd = goInvocations(byName('etcd'), out);
  assert.equal(etcd.length, 1);
  assert.equal(etcd[0]!.args[etcd[0]!.args.indexOf('-o') + 1], path.join(out, 'etcd'));
});

void test('go build -o DIR/ names a binary after its package, skipping a major version suffix', () => {
  assert.equal(goExecName('k8s.io/kubernetes/cmd/kube-apiserver'), 'kube-apiserver');
  assert.equal(goExecName('go.etcd.io/etcd/server/v3'), 'server');
  assert.equal(goExecName('example.com/tool/v1'), 'v1', 'v1 is not a major version suffix');
});

void test('cross builds keep their platform per command; installs stay one go install', () => {
  const demo = goInvocations(byName('demo'), out);
  assert.deepEqual(
    demo.map((i) => i.env),
    [{ GOOS: 'linux', GOARCH: 'amd64' }, { GOOS: 'linux', GOARCH: 'arm64' }, {}],
  );
  const temporal = goInvocations(byName('temporal'), out);
  assert.equal(temporal.length, 1);
  assert.equal(temporal[0]!.args[0], 'install');
  assert.deepEqual(temporal[0]!.args.slice(-1), ['github.com/temporalio/cli/cmd/temporal@v1.5.1']);
});

void test("kwok builds in tools/kube after kubernetes: its k8s.io packages come from kubernetes' build", () => {
  const kwok = goInvocations(byName('kwok'), out);
  assert.equal(kwok.length, 1, 'one go build of both binaries');
  const args = kwok[0]!.args;
  assert.equal(kwok[0]!.cwd, path.join(repoRoot, 'tools/kube'));
  assert.equal(args[args.indexOf('-o') + 1], out + path.sep);
  assert.deepEqual(args.slice(-2), ['sigs.k8s.io/kwok/cmd/kwokctl', 'sigs.k8s.io/kwok/cmd/kwok']);
  assert.equal(goExecName('sigs.k8s.io/kwok/cmd/kwokctl'), 'kwokctl');
  const goMod = fs.readFileSync(path.join(repoRoot, 'tools/kube/go.mod'), 'utf8');
  assert.match(goMod, /^\tsigs\.k8s\.io\/kwok v0\.8\.0\b/m, 'tools/kube requires the kwok version pinned');
  for (const c of ['kwokctl', 'kwok']) assert.match(goMod, new RegExp(`^\\tsigs\\.k8s\\.io/kwok/cmd/${c}$`, 'm'));
});

void test('a component built after another shares its wrapper module and flags, so the Go cache serves its packages', () => {
  const after = components.filter((c) => c.after !== undefined);
  assert.deepEqual(after.map((c) => c.name).sort(), ['etcd', 'kwok']);
  for (const c of after) {
    const first = byName(c.after!);
    assert.ok(c.build.kind === 'wrapper' && first.build.kind === 'wrapper', c.name);
    assert.equal(c.build.moduleDir, first.build.moduleDir, `${c.name} builds in ${first.name}'s module`);
    // Compile flags, not the link's -ldflags value (the version stamps differ; they touch no compiled package).
    const flags = (x: typeof c) => {
      const args = goInvocations(x, out)[0]!.args;
      return args.filter((a, i) => a.startsWith('-') && a !== '-o' && args[i - 1] !== '-ldflags');
    };
    assert.deepEqual(
      flags(c),
      flags(first),
      `${c.name}: same compile flags as ${first.name} (one changes every action id)`,
    );
  }
});

void test('every module a component builds from is in the published package, with its go.mod', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { files: string[] };
  for (const c of components) {
    if (c.build.kind === 'install') continue;
    const dir = c.build.moduleDir;
    const goMod = `${dir}/go.mod`;
    assert.ok(
      pkg.files.includes(dir) || pkg.files.includes(goMod),
      `${c.name}: package.json files lists ${dir} (or its go.mod)`,
    );
    assert.ok(fs.existsSync(path.join(repoRoot, goMod)), goMod);
  }
});

void test('the registry is built from tools/registry: only the storage drivers the stack uses, upstream version stamped', () => {
  const [inv] = goInvocations(byName('registry'), out);
  assert.equal(inv!.cwd, path.join(repoRoot, 'tools/registry'));
  assert.match(inv!.args[inv!.args.indexOf('-ldflags') + 1]!, /version\.version=v3\.1\.1/);
  const main = fs.readFileSync(path.join(repoRoot, 'tools/registry/main.go'), 'utf8');
  assert.match(main, /storage\/driver\/filesystem"/);
  assert.doesNotMatch(main, /driver\/(azure|gcs|s3-aws)"/);
});
