/**
 * The worker loads @kubernetes/client-node on its first Kubernetes step, not at start (issue 23:
 * the library alone is ~65 MB of RSS and a second of start-up). Checked in a fresh node process,
 * whose module cache shows what an import pulled in.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

const root = path.join(__dirname, '..', '..', '..');

/**
 * Imports `entry` in a fresh node (tsx), runs `then` there, and says whether the kube client is
 * loaded: loaded as ESM it is not in require.cache itself, but stream-buffers, a CommonJS
 * dependency only it has (`npm ls stream-buffers`), is.
 */
function kubeLoadedAfter(entry: string, then = ''): boolean {
  const script =
    `require(${JSON.stringify(path.join(root, entry))});` +
    `(async () => { ${then}; ` +
    `const loaded = Object.keys(require.cache).some((k) => /@kubernetes\\/client-node|node_modules\\/stream-buffers\\//.test(k));` +
    `console.log(JSON.stringify({ loaded })); })().catch((e) => { console.error(e); process.exit(1); });`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8' });
  return (JSON.parse(out.trim().split('\n').pop()!) as { loaded: boolean }).loaded;
}

void describe('the worker loads the Kubernetes client lazily', () => {
  void it('importing the worker and every activity does not load @kubernetes/client-node', () => {
    assert.equal(kubeLoadedAfter('src/worker.ts'), false);
  });

  void it('the first kubeLib() call loads it (the check above can fail)', () => {
    const lib = JSON.stringify(path.join(root, 'src/clients/kube-lib.ts'));
    assert.equal(kubeLoadedAfter('src/activities/index.ts', `await require(${lib}).kubeLib()`), true);
  });
});
