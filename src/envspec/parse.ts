/** Reading spec files: YAML → document → validated, frozen EnvironmentSpec. */
import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { SpecValidationError, validateSpec } from './validate';
import { type EnvironmentSpec } from '../contract/environment-spec';
import { applyOverrides, substituteEnv, type SpecOverride } from './overrides';
import { REMOTE_CHART } from './app-schema';

/** What a pipeline changes in a spec file (overrides.ts): `${VAR}` substitution, then `--set`s. */
export interface SpecParameters {
  /** Substitute `${VAR}` in string values from this environment (opt-in: `--env-subst`). */
  env?: NodeJS.ProcessEnv;
  overrides?: readonly SpecOverride[];
}

/** More aliases than any hand-written spec needs; an alias bomb (billion laughs) stops here. */
const MAX_ALIASES = 100;

/** Parses YAML spec text; throws SpecValidationError naming every problem (YAML syntax ones included). */
export function parseSpec(
  text: string,
  sourceName = 'spec',
  baseDir?: string,
  params: SpecParameters = {},
): EnvironmentSpec {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    throw new SpecValidationError(
      doc.errors.map((e) => ({
        path: `(yaml line ${lineCounter.linePos(e.pos[0]).line})`,
        message: e.message.split('\n')[0] ?? e.message,
      })),
      sourceName,
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    // yaml throws a ReferenceError when aliases expand beyond maxAliasCount.
    throw new SpecValidationError(
      [{ path: '(yaml)', message: `too many alias expansions (more than ${MAX_ALIASES}): ${(e as Error).message}` }],
      sourceName,
    );
  }
  if (params.env) {
    const subst = substituteEnv(raw, params.env);
    if (subst.issues.length) throw new SpecValidationError(subst.issues, sourceName);
    raw = subst.doc;
  }
  if (params.overrides?.length) raw = applyOverrides(raw, params.overrides);
  return validateSpec(baseDir ? resolveRelativePaths(raw, baseDir) : raw, sourceName);
}

const LOCAL_SOURCE = /^(oci-archive|docker-archive|oci|oci-layout):(.+)$/;

/** `scheme:path` with a relative path made absolute against `dir`. */
function absolute(value: unknown, re: RegExp, dir: string): unknown {
  if (typeof value !== 'string') return value;
  const m = re.exec(value);
  if (!m || path.isAbsolute(m[2]!)) return value;
  return `${m[1]}:${path.resolve(dir, m[2]!)}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Paths in a spec are relative to the spec file, not to the worker that reads them: the image's
 * `oci:`/`oci-archive:` source, `secretFrom: file:…`, the app's `manifests`/`kustomize`
 * directories and its Helm chart and values files become absolute before validation.
 */
function resolveRelativePaths(raw: unknown, dir: string): unknown {
  if (!isObject(raw)) return raw;
  const out: Record<string, unknown> = { ...raw };
  if (isObject(raw.app)) {
    const app: Record<string, unknown> = { ...raw.app };
    for (const k of ['manifests', 'kustomize'])
      if (typeof app[k] === 'string' && app[k] !== '') app[k] = path.resolve(dir, app[k]);
    if (isObject(app.helm)) {
      const helm: Record<string, unknown> = { ...app.helm };
      // A remote reference (oci://…) stays as written, for the schema to refuse by name.
      if (typeof helm.chart === 'string' && helm.chart !== '' && !REMOTE_CHART.test(helm.chart))
        helm.chart = path.resolve(dir, helm.chart);
      if (Array.isArray(helm.valuesFiles))
        helm.valuesFiles = helm.valuesFiles.map((f: unknown) =>
          typeof f === 'string' && f !== '' ? path.resolve(dir, f) : f,
        );
      app.helm = helm;
    }
    out.app = app;
  }
  if (isObject(raw.image)) out.image = { ...raw.image, source: absolute(raw.image.source, LOCAL_SOURCE, dir) };
  if (isObject(raw.deployment) && Array.isArray(raw.deployment.containers)) {
    const containers = raw.deployment.containers.map((c: unknown) => {
      if (!isObject(c) || !isObject(c.env)) return c;
      const env = Object.fromEntries(
        Object.entries(c.env).map(([k, v]) => [
          k,
          isObject(v) ? { ...v, secretFrom: absolute(v.secretFrom, /^(file):(.+)$/, dir) } : v,
        ]),
      );
      return { ...c, env };
    });
    out.deployment = { ...raw.deployment, containers };
  }
  return out;
}

/**
 * Reads and parses a spec file (`-`: standard input, paths in it relative to the working
 * directory); a missing file is reported as a SpecValidationError too.
 */
export function loadSpecFile(file: string, params: SpecParameters = {}): EnvironmentSpec {
  let text: string;
  const stdin = file === '-';
  try {
    text = fs.readFileSync(stdin ? 0 : file, 'utf8');
  } catch (err) {
    throw new SpecValidationError(
      [{ path: '(file)', message: `cannot read ${file}: ${(err as Error).message}` }],
      file,
    );
  }
  return parseSpec(text, stdin ? '(stdin)' : file, stdin ? process.cwd() : path.dirname(path.resolve(file)), params);
}
