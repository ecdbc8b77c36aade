/**
 * Validation and normalisation of an already-parsed spec document: schema + cross-field rules,
 * every problem reported at once, then the defaults that depend on other fields, then frozen.
 * Pure (no I/O): the workflow re-validates its input with it.
 */
import type { z } from 'zod';
import { clusterNameOf, type EnvironmentSpec } from '../contract/environment-spec';
import { environmentNamespaceOf } from './existing-cluster';
import { DEFAULT_POOL, regionOf } from '../gke/rules';
import { crossCheck, type SpecIssue } from './cross-checks';
import { buildSchemas, type ParsedSpec } from './schema';

export type { SpecIssue } from './cross-checks';
export type { PlanStep } from '../contract/environment-spec';

type Parsed = ParsedSpec;
type Pool = NonNullable<Parsed['cluster']['nodePools']>[number];
type Service = NonNullable<Parsed['service']>;

/** The spec the schema and normalise produce (EnvironmentSpec is its contract statement). */
interface NormalisedSpec extends Omit<Parsed, 'cluster' | 'image' | 'service' | 'probe' | 'app'> {
  cluster: Omit<Parsed['cluster'], 'nodePools'> & { nodePools: Pool[] };
  image?: Omit<NonNullable<Parsed['image']>, 'repository'> & { repository: string };
  service?: Omit<Service, 'name' | 'ports'> & {
    name: string;
    ports: Array<Service['ports'][number] & { targetPort: number; name?: string }>;
  };
  app?: NonNullable<Parsed['app']>;
  probe: Parsed['probe'] & { port: number };
}

/** true when each of A and B is assignable to the other (the same fields with the same types). */
type Interchangeable<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Compile-time: the contract's EnvironmentSpec is what the schema and normalise produce, and back. */
const specShapeAgrees: Interchangeable<NormalisedSpec, EnvironmentSpec> = true;
void specShapeAgrees;

/** Thrown by parseSpec/loadSpecFile/validateSpec when a spec has problems; lists all of them. */
export class SpecValidationError extends Error {
  constructor(
    readonly issues: SpecIssue[],
    readonly sourceName = 'spec',
  ) {
    super(
      `${sourceName}: ${issues.length} problem${issues.length === 1 ? '' : 's'}:\n${issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n')}`,
    );
    this.name = 'SpecValidationError';
  }
}

/** `a.b[1]["app.kubernetes.io/name"]` from a zod path. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, seg) => {
    if (typeof seg === 'number') return `${acc}[${seg}]`;
    const s = String(seg);
    if (/^[A-Za-z_$][\w$]*$/.test(s)) return acc ? `${acc}.${s}` : s;
    return `${acc}[${JSON.stringify(s)}]`;
  }, '');
}

function fromZod(issue: z.core.$ZodIssue): SpecIssue[] {
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((k) => ({ path: formatPath([...issue.path, k]), message: 'unknown field' }));
  const path = formatPath(issue.path);
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message))
    return [{ path, message: 'is required' }];
  if (issue.code === 'invalid_key') return issue.issues.map((i) => ({ path, message: i.message }));
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // A union fails as a whole; report the branch that got furthest (the longest issue paths).
    const best =
      [...issue.errors].sort(
        (a, b) => Math.max(0, ...b.map((i) => i.path.length)) - Math.max(0, ...a.map((i) => i.path.length)),
      )[0] ?? [];
    return best.flatMap((i) => fromZod({ ...i, path: [...issue.path, ...i.path] } as z.core.$ZodIssue));
  }
  return [{ path, message: issue.message }];
}

/** Fills in the defaults that depend on other fields. Idempotent: normalising a normalised spec changes nothing. */
function normalise(p: Parsed): EnvironmentSpec {
  const namespace = environmentNamespaceOf(p.cluster);
  const nodePools =
    p.cluster.nodePools ??
    (p.cluster.mode === 'autopilot' || namespace !== undefined ? [] : [{ ...DEFAULT_POOL, labels: {} }]);
  const ports = p.service?.ports.map((sp) => ({ ...sp, targetPort: sp.targetPort ?? sp.port }));
  const { image: parsedImage, service, ...rest } = p;
  // An app has no Deployment of gkeflow's to name the image after: the cluster names it.
  const imageName = p.deployment?.name ?? clusterNameOf(p);
  const image = parsedImage && {
    ...parsedImage,
    repository: parsedImage.repository ?? `${regionOf(p.location)}-docker.pkg.dev/${p.project}/gkeflow/${imageName}`,
  };
  const spec: EnvironmentSpec = {
    ...rest,
    cluster: { ...p.cluster, nodePools },
    probe: { ...p.probe, port: p.probe.port ?? ports?.[0]?.port ?? p.app?.endpoint.port ?? 80 },
  };
  // A namespace environment deploys into its own namespace.
  if (namespace !== undefined && spec.deployment) spec.deployment = { ...spec.deployment, namespace };
  if (namespace !== undefined && spec.app) spec.app = { ...spec.app, namespace };
  if (service && ports) spec.service = { ...service, name: service.name ?? p.deployment?.name ?? '', ports };
  if (image) spec.image = image;
  return spec;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Validates a parsed document; returns the frozen normalised spec or every problem found. */
export function checkSpec(doc: unknown): { ok: true; spec: EnvironmentSpec } | { ok: false; issues: SpecIssue[] } {
  const result = buildSchemas().environmentSchema.safeParse(doc);
  const issues = [...(result.success ? [] : result.error.issues.flatMap(fromZod)), ...crossCheck(doc)];
  const unique = issues.filter((i, n) => issues.findIndex((j) => j.path === i.path && j.message === i.message) === n);
  if (unique.length > 0 || !result.success) return { ok: false, issues: unique };
  return { ok: true, spec: deepFreeze(normalise(result.data)) };
}

/** Like checkSpec but throws SpecValidationError. */
export function validateSpec(doc: unknown, sourceName = 'spec'): EnvironmentSpec {
  const r = checkSpec(doc);
  if (!r.ok) throw new SpecValidationError(r.issues, sourceName);
  return r.spec;
}
