/**
 * Kubernetes naming and value grammars the spec checks before anything reaches an API server:
 * DNS-1123 labels/subdomains, DNS-1035 labels (Service names), label keys/values, env var
 * names, resource quantities and gkeflow's duration strings. Pure functions, safe in workflows.
 */

const DNS1123_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL_RE = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ENV_NAME_RE = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
/** Kubernetes resource.Quantity: a decimal number with an optional binary/decimal suffix or exponent. */
const QUANTITY_RE = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))((?:[KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** Explains why name is not a DNS-1123 label (namespaces, container and port names), or undefined. */
export function dns1123LabelProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 63) return `must be at most 63 characters (got ${name.length})`;
  if (!DNS1123_LABEL_RE.test(name))
    return 'must be a DNS-1123 label: lowercase letters, digits and hyphens, starting and ending with a letter or digit';
  return undefined;
}

/** Explains why name is not a DNS-1123 subdomain (Deployment names), or undefined. */
export function dns1123SubdomainProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 253) return `must be at most 253 characters (got ${name.length})`;
  if (!name.split('.').every((part) => DNS1123_LABEL_RE.test(part))) {
    return 'must be a DNS-1123 subdomain: lowercase letters, digits, hyphens and dots, starting and ending with a letter or digit';
  }
  return undefined;
}

/** Explains why name is not a DNS-1035 label (Service names must start with a letter), or undefined. */
export function dns1035LabelProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name.length > 63) return `must be at most 63 characters (got ${name.length})`;
  if (!DNS1035_LABEL_RE.test(name))
    return 'must be a DNS-1035 label: a lowercase letter first, then lowercase letters, digits or hyphens, not ending with a hyphen';
  return undefined;
}

/** Explains why key is not a Kubernetes label key (`[prefix/]name`), or undefined. */
export function k8sLabelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && dns1123SubdomainProblem(prefix))
    return `label key prefix "${prefix}" must be a DNS-1123 subdomain`;
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME_RE.test(name)) {
    return `label key "${key}" must be at most 63 characters of letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  }
  return undefined;
}

/** Explains why value is not a Kubernetes label value, or undefined. */
export function k8sLabelValueProblem(value: string): string | undefined {
  if (value.length > 63 || !LABEL_VALUE_RE.test(value)) {
    return `label value "${value}" must be at most 63 characters of letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  }
  return undefined;
}

/** Explains why name is not a valid container environment variable name, or undefined. */
export function envNameProblem(name: string): string | undefined {
  return ENV_NAME_RE.test(name)
    ? undefined
    : `env var name "${name}" must start with a letter, '_', '-' or '.', then letters, digits, '_', '-' or '.'`;
}

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Parses a Kubernetes quantity (`500m`, `1.5`, `128Mi`, `1e3`) into a number, or undefined when malformed. */
export function parseQuantity(text: string): number | undefined {
  const m = QUANTITY_RE.exec(text);
  if (!m || m[1] === undefined) return undefined;
  const base = Number(m[1]);
  const suffix = m[2];
  if (suffix === undefined) return base;
  if (/^[eE]/.test(suffix)) return base * 10 ** Number(suffix.slice(1));
  const factor = SUFFIX[suffix];
  return factor === undefined ? undefined : base * factor;
}

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const NUMBER = String.raw`(?:\d+(?:\.\d*)?|\.\d+)`;
const UNIT = '(?:ns|us|µs|ms|s|m|h|d)';
const DURATION_RE = new RegExp(`^(?:${NUMBER}${UNIT})+$`);
const PART_RE = new RegExp(`(${NUMBER})(${UNIT})`, 'g');

/**
 * Parses a duration as Go's time.ParseDuration (and so Terraform) reads one, plus days: `90s`,
 * `30m`, `1.5h`, `1h30m`, `500ms`, `7d`, `0`; into whole milliseconds, or undefined when malformed.
 * No sign and no spaces (`2 h` is malformed).
 */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (!DURATION_RE.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(PART_RE)) total += Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 0);
  return Math.round(total);
}
