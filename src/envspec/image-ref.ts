/**
 * Image reference grammar (the distribution/reference grammar Docker and containerd use),
 * Artifact Registry repository names, and the spec's image `source` strings. Pure, workflow-safe.
 */
import { DEMO_VARIANTS, type DemoVariant } from '../contract/demo-variants';
import type { ImageSource } from '../contract/image-io';
import { isRegion, PROJECT_ID_RE, regionOf } from '../gke/rules';
import { locationName } from '../gke/resource-names';

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME_RE = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^sha256:[0-9a-f]{64}$|^sha512:[0-9a-f]{128}$/;
const AR_REPO_NAME_RE = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Artifact Registry multi-regions besides the regions. */
const AR_MULTI_REGIONS = new Set(['asia', 'europe', 'us']);

/** A parsed image reference: `name[:tag][@digest]`. */
export interface ImageReference {
  name: string;
  tag?: string;
  digest?: string;
}

/** Splits and checks an image reference; returns a problem string when it is malformed. */
export function parseImageReference(ref: string): ImageReference | string {
  if (ref.length === 0) return 'must not be empty';
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) return `digest "${digest}" must be sha256:<64 hex> or sha512:<128 hex>`;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG_RE.test(tag))
      return `tag "${tag}" must be 1-128 of letters, digits, '_', '.' or '-', not starting with '.' or '-'`;
  }
  if (rest.length > 255) return `name must be at most 255 characters (got ${rest.length})`;
  if (!NAME_RE.test(rest))
    return `"${rest}" is not a valid image name (lowercase path components separated by '/', optionally after a registry host)`;
  return { name: rest, tag, digest };
}

/** Parsed `LOCATION-docker.pkg.dev/PROJECT/REPO/IMAGE` (or a gcr.io name hosted on Artifact Registry). */
export interface ArtifactRepository {
  host: string;
  project: string;
  repo: string;
  image: string;
}

/** Checks an Artifact Registry repository (no tag or digest); returns a problem string when it is not one. */
export function parseArtifactRepository(repository: string): ArtifactRepository | string {
  const ref = parseImageReference(repository);
  if (typeof ref === 'string') return ref;
  if (ref.tag !== undefined || ref.digest !== undefined)
    return 'must not carry a tag or digest (set image.tag instead)';
  const parts = repository.split('/');
  const [host = '', project = ''] = parts;
  const gcr = /^((asia|eu|us)\.)?gcr\.io$/.test(host);
  const ar = /^([a-z0-9-]+)-docker\.pkg\.dev$/.exec(host);
  if (!gcr && !ar)
    return 'must be an Artifact Registry repository LOCATION-docker.pkg.dev/PROJECT/REPO/IMAGE (Container Registry stopped accepting pushes in 2025)';
  if (ar) {
    const loc = ar[1] ?? '';
    if (!isRegion(loc) && !AR_MULTI_REGIONS.has(loc))
      return `"${loc}" is not an Artifact Registry location (a region like asia-east1, or asia, europe, us)`;
  }
  if (!PROJECT_ID_RE.test(project)) return `"${project}" is not a GCP project id`;
  if (gcr)
    return parts.length >= 3
      ? { host, project, repo: host, image: parts.slice(2).join('/') }
      : 'must be gcr.io/PROJECT/IMAGE';
  const repo = parts[2] ?? '';
  if (parts.length < 4) return 'must be LOCATION-docker.pkg.dev/PROJECT/REPO/IMAGE';
  if (!AR_REPO_NAME_RE.test(repo))
    return `repository name "${repo}" must be lowercase letters, digits and hyphens, starting with a letter`;
  return { host, project, repo, image: parts.slice(3).join('/') };
}

/**
 * Parses the spec's image `source`: `builtin:demo[?variant=v2]`, `oci-archive:<path>`, `docker-archive:<path>`
 * (`docker save` output), `oci:<path>[:<tag>]`
 * (alias `oci-layout:`), `docker://<ref>` or a bare registry reference.
 */
export function parseImageSource(source: string): ImageSource | string {
  if (source.startsWith('builtin:')) {
    const rest = source.slice('builtin:'.length);
    const q = rest.indexOf('?');
    const name = q < 0 ? rest : rest.slice(0, q);
    const query = q < 0 ? undefined : rest.slice(q + 1);
    if (name !== 'demo') return `unknown builtin image "${name}" (known: demo)`;
    if (query === undefined) return { kind: 'builtin', name };
    const variant = /^variant=(.*)$/.exec(query)?.[1];
    if (variant === undefined || !(DEMO_VARIANTS as readonly string[]).includes(variant))
      return `builtin:demo takes only ?variant=${DEMO_VARIANTS.join('|')} (got "?${query}")`;
    // v1 is plain builtin:demo: the same source, so the same activity input as before variants existed.
    return variant === 'v1' ? { kind: 'builtin', name } : { kind: 'builtin', name, variant: variant as DemoVariant };
  }
  if (source.startsWith('docker-archive:')) {
    const path = source.slice('docker-archive:'.length);
    return path ? { kind: 'docker-archive', path } : 'docker-archive: needs a path to a `docker save` archive (.tar)';
  }
  if (source.startsWith('oci-archive:')) {
    const path = source.slice('oci-archive:'.length);
    return path ? { kind: 'oci-archive', path } : 'oci-archive: needs a path to an OCI archive (.tar)';
  }
  const layout = /^(?:oci|oci-layout):([^:]+)(?::([^:]+))?$/.exec(source);
  if (layout)
    return layout[2]
      ? { kind: 'oci-layout', path: layout[1] ?? '', tag: layout[2] }
      : { kind: 'oci-layout', path: layout[1] ?? '' };
  if (/^(oci|oci-layout):/.test(source))
    return 'oci: needs a path to an OCI layout directory, optionally followed by :<tag>';
  const reference = source.startsWith('docker://') ? source.slice('docker://'.length) : source;
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(reference)) {
    return `unknown image source "${source}" (use builtin:demo, oci-archive:<path>, docker-archive:<path>, oci:<path>[:<tag>], docker://<ref> or a registry reference)`;
  }
  const parsed = parseImageReference(reference);
  return typeof parsed === 'string' ? parsed : { kind: 'registry', reference };
}

/**
 * The Artifact Registry repository an image repository `LOCATION-docker.pkg.dev/P/R/IMAGE`
 * lives in (`projects/P/locations/LOCATION/repositories/R`); undefined for anything else
 * (gcr.io names, which Artifact Registry provisions itself; other registries).
 */
export function artifactRepositoryOf(repository: string): { parent: string; id: string; name: string } | undefined {
  const parsed = parseArtifactRepository(repository);
  if (typeof parsed === 'string' || parsed.repo === parsed.host) return undefined;
  const parent = locationName(parsed.project, parsed.host.replace(/-docker\.pkg\.dev$/, ''));
  return { parent, id: parsed.repo, name: `${parent}/repositories/${parsed.repo}` };
}

/**
 * Where `gkeflow up` pushes an app's rendered bundle: the package `<cluster>-app` in the
 * environment's Artifact Registry repository (the image's, or `gkeflow` in the spec's region),
 * so the bundle lives and goes with the environment's other artifacts.
 */
export function bundleRepositoryOf(spec: {
  project: string;
  location: string;
  cluster: { name?: string | undefined; existing?: string | undefined; namespace?: string | undefined };
  image?: { repository: string } | undefined;
}): string {
  const base =
    spec.image && artifactRepositoryOf(spec.image.repository)
      ? spec.image.repository.split('/').slice(0, 3).join('/')
      : `${regionOf(spec.location)}-docker.pkg.dev/${spec.project}/gkeflow`;
  // A namespace environment's bundle is its own, not its shared cluster's.
  const owner =
    spec.cluster.existing !== undefined ? `${spec.cluster.existing}-${spec.cluster.namespace}` : spec.cluster.name;
  return `${base}/${owner}-app`;
}
