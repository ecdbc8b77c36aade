/**
 * Rendering `app.helm` with the real `helm template` on the CLI's side: the chart, the release
 * name, the app's namespace (`.Release.Namespace`), the values files and then the spec's inline
 * values (which win). Helm runs client-only and hermetic: its home, config, cache and data
 * directories are a fresh temporary directory and it gets no kubeconfig, so it reads nothing of
 * the user's Helm setup and never reaches a cluster. gkeflow applies what it prints itself.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SpecHelm } from '../contract/environment-spec';
import type { SpecIssue } from '../envspec';

const run = promisify(execFile);
/** Far above any chart's rendering time; a template stuck in a loop stops here. */
const HELM_TIMEOUT_MS = 120_000;

/** `helm template`'s output (multi-document YAML), or the issues that stopped it. */
export async function helmTemplate(
  helm: SpecHelm,
  namespace: string,
  helmBinary: () => Promise<string>,
): Promise<{ text?: string; issues: SpecIssue[] }> {
  const issues: SpecIssue[] = [];
  if (!fs.existsSync(helm.chart)) issues.push({ path: 'app.helm.chart', message: `no chart at ${helm.chart}` });
  helm.valuesFiles.forEach((f, i) => {
    try {
      fs.accessSync(f, fs.constants.R_OK);
    } catch (e) {
      issues.push({ path: `app.helm.valuesFiles[${i}]`, message: `cannot read ${f}: ${(e as Error).message}` });
    }
  });
  if (issues.length > 0) return { issues };
  const bin = await helmBinary();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'gkeflow-helm-'));
  try {
    const inline = path.join(home, 'spec-values.json'); // JSON is YAML: helm reads it as a values file
    fs.writeFileSync(inline, JSON.stringify(helm.values));
    const args = [
      'template',
      helm.release,
      helm.chart,
      '--namespace',
      namespace,
      '--include-crds', // gkeflow applies CRDs first and waits until they are established
      '--skip-tests', // test hooks are for `helm test`, not part of the app
      ...helm.valuesFiles.flatMap((f) => ['--values', f]),
      '--values',
      inline,
    ];
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: home,
      HELM_CONFIG_HOME: path.join(home, 'config'),
      HELM_CACHE_HOME: path.join(home, 'cache'),
      HELM_DATA_HOME: path.join(home, 'data'),
      KUBECONFIG: path.join(home, 'no-kubeconfig'),
    };
    const { stdout } = await run(bin, args, { env, timeout: HELM_TIMEOUT_MS, maxBuffer: 256 * 1024 * 1024 });
    return { text: stdout, issues };
  } catch (e) {
    const said = helmError((e as { stderr?: string }).stderr ?? '') ?? (e as Error).message.split('\n')[0];
    issues.push({ path: 'app.helm.chart', message: `helm template of chart ${helm.chart} failed: ${said}` });
    return { issues };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/**
 * Helm's own message: from its `Error:` line on (a template error spans lines: the template and
 * position, then what failed), without the `--debug` hint; warnings before it are noise.
 */
export function helmError(stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const at = lines.findIndex((l) => /^Error:/.test(l));
  const said = (at >= 0 ? lines.slice(at) : lines.slice(-1)).filter((l) => !/^Use --debug\b/.test(l));
  return said.join(' ').replace(/^Error:\s*/, '') || undefined;
}

/** The template a rendered document came from: helm heads each with `# Source: CHART/templates/FILE`. */
export function helmSourceOf(comment: string | null | undefined): string | undefined {
  return /(?:^|\n)\s*Source:\s*(\S+)/.exec(comment ?? '')?.[1];
}
