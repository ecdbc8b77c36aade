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
  const kwok = goInvocations(byName('kwok'), out);
  assert.equal(kwok.length, 1);
  assert.equal(kwok[0]!.args[0], 'install');
  assert.deepEqual(kwok[0]!.args.slice(-2), [
    'sigs.k8s.io/kwok/cmd/kwokctl@v0.8.0',
    'sigs.k8s.io/kwok/cmd/kwok@v0.8.0',
  ]);
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
