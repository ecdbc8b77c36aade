/**
 * Rendering an app on the CLI's side: a directory of YAML files (recursively, in path order),
 * a Kustomize overlay (`kubectl kustomize`) or a Helm chart (`helm template`, helm.ts) into the
 * objects of a bundle, each naming the file (or chart template) it came from. Every problem (YAML syntax, an object without kind or name, the same object
 * twice) is reported at once, naming the file and the object, before anything is created.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments, type Document } from 'yaml';
import type { SpecApp } from '../contract/environment-spec';
import type { SpecIssue } from '../envspec';
import type { Bundle, BundleObject } from './format';
import { helmSourceOf, helmTemplate } from './helm';

const run = promisify(execFile);
const YAML_FILE = /\.(ya?ml|json)$/i;
/** Kustomize's own file, not an object: a manifests directory may double as an overlay's base. */
const KUSTOMIZATION = /^kustomization\.ya?ml$/i;
/** Aliases a hand-written manifest needs at most (an alias bomb stops here, as in a spec). */
const MAX_ALIASES = 100;

/** What rendering needs from the toolchain: the paths of kubectl (for Kustomize) and helm (for charts). */
export interface RenderDeps {
  kubectl: () => Promise<string>;
  helm: () => Promise<string>;
}

/** Renders the app; `issues` lists every problem (empty when the bundle is good). */
export async function renderApp(app: SpecApp, deps: RenderDeps): Promise<{ bundle: Bundle; issues: SpecIssue[] }> {
  const issues: SpecIssue[] = [];
  const objects: BundleObject[] = [];
  if (app.manifests !== undefined) {
    const field = 'app.manifests';
    const files = yamlFiles(app.manifests, field, issues);
    for (const file of files) {
      const rel = path.relative(path.dirname(app.manifests), file);
      objects.push(...parseObjects(fs.readFileSync(file, 'utf8'), rel, field, issues));
    }
  } else if (app.kustomize !== undefined) {
    const field = 'app.kustomize';
    try {
      const { stdout } = await run(await deps.kubectl(), ['kustomize', app.kustomize], {
        maxBuffer: 256 * 1024 * 1024,
      });
      objects.push(...parseObjects(stdout, `kustomize ${path.basename(app.kustomize)}`, field, issues));
    } catch (e) {
      const said = (e as { stderr?: string }).stderr?.trim() || (e as Error).message;
      issues.push({ path: field, message: `kubectl kustomize ${app.kustomize} failed: ${said.split('\n')[0]}` });
    }
  } else if (app.helm !== undefined) {
    const chart = path.basename(app.helm.chart);
    const r = await helmTemplate(app.helm, app.namespace, deps.helm);
    issues.push(...r.issues);
    // Each document is named after its template (`web/templates/web.yaml`), as helm heads it.
    const sourceOf = (doc: Document.Parsed) => {
      const comment = doc.commentBefore ?? (doc.contents as { commentBefore?: string } | null)?.commentBefore;
      return `helm ${helmSourceOf(comment) ?? chart}`;
    };
    if (r.text !== undefined) objects.push(...parseObjects(r.text, sourceOf, 'app.helm.chart', issues));
  }
  checkDuplicates(objects, issues);
  if (issues.length === 0 && !objects.some((o) => isEndpoint(o.object, app)))
    issues.push({
      path: 'app.endpoint.service',
      message: `no LoadBalancer Service named ${app.endpoint.service} among the rendered objects`,
    });
  return { bundle: { objects }, issues };
}

const isEndpoint = (o: KubernetesObject, app: SpecApp) =>
  o.kind === 'Service' &&
  o.metadata?.name === app.endpoint.service &&
  (o.metadata?.namespace ?? app.namespace) === app.namespace &&
  (o as { spec?: { type?: string } }).spec?.type === 'LoadBalancer';

function yamlFiles(dir: string, field: string, issues: SpecIssue[]): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    issues.push({ path: field, message: `cannot read directory ${dir}: ${(e as Error).message}` });
    return [];
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...yamlFiles(p, field, issues));
    else if (YAML_FILE.test(e.name) && !KUSTOMIZATION.test(e.name)) out.push(p);
  }
  if (out.length === 0 && issues.length === 0) issues.push({ path: field, message: `${dir} holds no YAML files` });
  return out;
}

/** `Kind name` (and namespace) of an object, for messages. */
export function objectName(o: KubernetesObject): string {
  const ns = o.metadata?.namespace;
  return `${o.kind ?? '?'} ${ns ? `${ns}/` : ''}${o.metadata?.name ?? '?'}`;
}

/**
 * The objects of a multi-document YAML text. `source` names where they came from: one name for
 * the whole text (a file: messages say which document), or one per document (helm's templates).
 */
function parseObjects(
  text: string,
  source: string | ((doc: Document.Parsed) => string),
  field: string,
  issues: SpecIssue[],
): BundleObject[] {
  const out: BundleObject[] = [];
  parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false }).forEach((doc, i) => {
    const from = typeof source === 'string' ? source : source(doc);
    const where = typeof source === 'string' ? `${from} (document ${i + 1})` : from;
    if ('errors' in doc && doc.errors.length > 0) {
      issues.push({ path: field, message: `${where}: ${doc.errors[0]!.message.split('\n')[0]}` });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (e) {
      issues.push({ path: field, message: `${where}: ${(e as Error).message}` });
      return;
    }
    if (value === null || value === undefined) return; // an empty document (a trailing ---)
    const items = isList(value) ? value.items : [value];
    for (const item of items) {
      const problem = objectProblem(item);
      if (problem) issues.push({ path: field, message: `${where}${nameOf(item)}: ${problem}` });
      else out.push({ source: from, object: item as KubernetesObject });
    }
  });
  return out;
}

const isList = (v: unknown): v is { items: unknown[] } =>
  typeof v === 'object' &&
  v !== null &&
  /List$/.test(String((v as { kind?: unknown }).kind)) &&
  Array.isArray((v as { items?: unknown }).items);

function nameOf(v: unknown): string {
  const o = v as KubernetesObject;
  return typeof o?.kind === 'string' || typeof o?.metadata?.name === 'string' ? ` ${objectName(o)}` : '';
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Why an object cannot be applied, or undefined. */
function objectProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'is not a Kubernetes object (a mapping)';
  const o = v as KubernetesObject;
  if (typeof o.apiVersion !== 'string' || !o.apiVersion) return 'has no apiVersion';
  if (typeof o.kind !== 'string' || !o.kind) return 'has no kind';
  const name = o.metadata?.name;
  if (typeof name !== 'string' || !name)
    return 'has no metadata.name (generateName is not supported: apply needs a name)';
  if (!DNS_SUBDOMAIN.test(name)) return `metadata.name "${name}" is not a valid Kubernetes name`;
  const ns = o.metadata?.namespace;
  if (ns !== undefined && (typeof ns !== 'string' || !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns)))
    return `metadata.namespace "${String(ns)}" is not a valid namespace name`;
  return undefined;
}

function checkDuplicates(objects: BundleObject[], issues: SpecIssue[]): void {
  const seen = new Map<string, string>();
  for (const { source, object } of objects) {
    const group = object.apiVersion?.includes('/') ? object.apiVersion.split('/')[0] : '';
    const key = `${group}/${object.kind}/${object.metadata?.namespace ?? ''}/${object.metadata?.name}`;
    const first = seen.get(key);
    if (first)
      issues.push({ path: 'app', message: `${objectName(object)} is rendered twice (${first} and ${source})` });
    else seen.set(key, source);
  }
}
