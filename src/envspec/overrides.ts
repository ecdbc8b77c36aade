/**
 * What a pipeline changes in a spec without editing it: `${VAR}` from the environment in string
 * values (opt-in, `--env-subst`), then `--set path=value` (typed as YAML) and `--set-string
 * path=value`. Applied to the parsed document before validation, so the spec's own rules judge
 * the result and every problem names its field. Pure: the environment is passed in.
 */
import { parse } from 'yaml';
import { formatPath } from './validate';
import type { SpecIssue } from './cross-checks';

/** One `--set`: where (a.b[0].c), and the value (already typed). */
export interface SpecOverride {
  path: Array<string | number>;
  value: unknown;
  /** The flag text, for problems. */
  text: string;
}

const SEGMENT = /^(?:\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\])/;

/** `cluster.name`, `deployment.containers[0].image`, `labels["app.kubernetes.io/name"]` → segments, or undefined. */
export function parsePath(text: string): Array<string | number> | undefined {
  const out: Array<string | number> = [];
  let rest = text;
  while (rest) {
    const m = SEGMENT.exec(rest);
    if (!m || (out.length === 0 && rest.startsWith('.'))) return undefined;
    out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : JSON.parse(`"${m[3]}"`)));
    rest = rest.slice(m[0].length);
  }
  return out.length ? out : undefined;
}

/** `path=value` of `--set` (value typed as YAML: 3, true, [a, b]) or `--set-string` (always a string). */
export function parseOverride(text: string, asString = false): SpecOverride | string {
  const eq = text.indexOf('=');
  const flag = asString ? '--set-string' : '--set';
  if (eq <= 0) return `${flag} '${text}': expected path=value (e.g. cluster.name=pr-123)`;
  const path = parsePath(text.slice(0, eq));
  if (!path)
    return `${flag} '${text}': '${text.slice(0, eq)}' is not a field path (e.g. deployment.containers[0].image)`;
  const raw = text.slice(eq + 1);
  if (asString) return { path, value: raw, text };
  try {
    return { path, value: raw === '' ? '' : (parse(raw) as unknown), text };
  } catch (e) {
    return `${flag} '${text}': the value is not YAML (${(e as Error).message.split('\n')[0]}); quote it or use --set-string`;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The document with each override set (objects and arrays made along the way); a copy, the input is left alone. */
export function applyOverrides(doc: unknown, overrides: readonly SpecOverride[]): unknown {
  const root: unknown = structuredClone(doc ?? {});
  for (const o of overrides) {
    let node = root as Record<string | number, unknown>;
    o.path.forEach((seg, i) => {
      if (i === o.path.length - 1) {
        node[seg] = o.value;
        return;
      }
      const next = o.path[i + 1];
      if (!isRecord(node[seg]) && !Array.isArray(node[seg])) node[seg] = typeof next === 'number' ? [] : {};
      node = node[seg] as Record<string | number, unknown>;
    });
  }
  return root;
}

const VAR = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Every string value with `${VAR}` replaced from `env` (`$$` is a literal `$`); a variable that is
 * not set is a problem naming the field, not an empty string.
 */
export function substituteEnv(doc: unknown, env: NodeJS.ProcessEnv): { doc: unknown; issues: SpecIssue[] } {
  const issues: SpecIssue[] = [];
  const walk = (v: unknown, path: Array<string | number>): unknown => {
    if (typeof v === 'string')
      return v.replace(VAR, (m: string, name?: string) => {
        if (!name) return '$';
        const value = env[name];
        if (value === undefined)
          issues.push({ path: formatPath(path), message: `\${${name}} is not set in the environment` });
        return value ?? m;
      });
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
    return v;
  };
  return { doc: walk(doc, []), issues };
}
