/**
 * The CNCF distribution registry underneath the local Artifact Registry: where it listens and
 * the few calls the Artifact Registry API makes to it (catalog, tags, manifest digests, deletes).
 */
import http from 'node:http';

/** Where the CNCF registry listens: `http://127.0.0.1:PORT` or `unix:/path/to/socket`. */
export type BackendAddress = string;

/** http.request options that reach the backend at `pathname`. */
export function backendTarget(backend: BackendAddress, pathname: string): http.RequestOptions {
  if (backend.startsWith('unix:')) return { socketPath: backend.slice('unix:'.length), path: pathname };
  const u = new URL(backend);
  return { host: u.hostname, port: Number(u.port), path: pathname };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** One request to the backend, its body read as text (metadata calls only: small bodies). */
export function backendRequest(
  backend: BackendAddress,
  method: string,
  pathname: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ ...backendTarget(backend, pathname), method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** One image (manifest) of a repository with the tags pointing at it. */
export interface StoredImage {
  /** Path below the repository (`demo`, `team/app`). */
  image: string;
  digest: string;
  mediaType: string;
  size: number;
  tags: string[];
}

/** A version known to exist (recorded when it was pushed under a tag), tagged or not now. */
export interface KnownVersion {
  imagePath: string;
  digest: string;
}

/** HEAD of a manifest (by tag or digest): its digest, media type and size, or undefined when missing. */
async function headManifest(
  backend: BackendAddress,
  imagePath: string,
  ref: string,
): Promise<{ digest: string; mediaType: string; size: number } | undefined> {
  const head = await backendRequest(backend, 'HEAD', `/v2/${imagePath}/manifests/${encodeURIComponent(ref)}`, {
    accept: MANIFEST_ACCEPT,
  });
  const digest = head.headers['docker-content-digest'];
  if (head.status !== 200 || typeof digest !== 'string') return undefined;
  return {
    digest,
    mediaType: String(head.headers['content-type'] ?? '').split(';')[0] ?? '',
    size: Number(head.headers['content-length'] ?? 0),
  };
}

/**
 * Every image version whose registry path starts with `prefix/` (`P/R`): the tagged ones with
 * their tags, and the `known` versions no tag points at any more (tags `[]`), as Artifact
 * Registry lists and counts them until the version itself is deleted.
 */
export async function imagesUnder(
  backend: BackendAddress,
  prefix: string,
  known: readonly KnownVersion[] = [],
): Promise<StoredImage[]> {
  const catalog = await backendRequest(backend, 'GET', '/v2/_catalog?n=1000');
  const names = ((JSON.parse(catalog.body || '{}') as { repositories?: string[] }).repositories ?? []).filter((n) =>
    n.startsWith(`${prefix}/`),
  );
  const out: StoredImage[] = [];
  for (const name of names) {
    const list = await backendRequest(backend, 'GET', `/v2/${name}/tags/list`);
    const byDigest = new Map<string, StoredImage>();
    const tags = list.status === 200 ? ((JSON.parse(list.body) as { tags?: string[] | null }).tags ?? []) : [];
    const image = name.slice(prefix.length + 1);
    for (const tag of tags) {
      const head = await headManifest(backend, name, tag);
      if (!head) continue;
      const seen = byDigest.get(head.digest);
      if (seen) seen.tags.push(tag);
      else byDigest.set(head.digest, { image, ...head, tags: [tag] });
    }
    for (const v of known) {
      if (v.imagePath !== name || byDigest.has(v.digest)) continue;
      const head = await headManifest(backend, name, v.digest);
      if (head) byDigest.set(head.digest, { image, ...head, tags: [] });
    }
    out.push(...byDigest.values());
  }
  return out;
}

/** Removes a tag, keeping the version it pointed at (as Artifact Registry); false when the tag does not exist. */
export async function untag(backend: BackendAddress, imagePath: string, tag: string): Promise<boolean> {
  if (!(await headManifest(backend, imagePath, tag))) return false;
  const del = await backendRequest(backend, 'DELETE', `/v2/${imagePath}/manifests/${encodeURIComponent(tag)}`);
  return del.status === 202 || del.status === 200;
}

/** Deletes a version (its manifest by digest, and so every tag on it); false when it does not exist. */
export async function deleteVersion(backend: BackendAddress, imagePath: string, digest: string): Promise<boolean> {
  const del = await backendRequest(backend, 'DELETE', `/v2/${imagePath}/manifests/${digest}`);
  return del.status === 202 || del.status === 200;
}
