/**
 * Where a repository name points for a target, and which credentials it takes.
 *
 * Local target mapping (the registry at GKEFLOW_REGISTRY_ADDRESS, by default the local stack's, over
 * plain HTTP on loopback; REG below): the host of an Artifact Registry or Container Registry name is
 * replaced by the local registry and the path kept, so
 *   `asia-docker.pkg.dev/P/REPO/IMG`  →  `REG/P/REPO/IMG`
 *   `gcr.io/P/IMG`                    →  `REG/P/IMG`
 * Names already on a loopback host are used as they are. The gcp target uses the real host over
 * HTTPS with `oauth2accesstoken` + an ADC access token for Artifact Registry / gcr.io hosts.
 */
import { InvalidArgumentError } from '../contract/activity-errors';
import type { TargetConfig } from './config';
import { tokenSourceFor } from './gke';
import { dockerConfigCredentials } from './docker-config';

/** Basic credentials for a registry (Artifact Registry: `oauth2accesstoken` + access token). */
export interface RegistryCredentials {
  username: string;
  password: string;
}

/** A repository on a concrete registry endpoint. */
export interface RegistryRepo {
  /** `http://REG` (the local registry) or `https://asia-docker.pkg.dev`. */
  base: string;
  /** Host as it appears in image references (`REG`, `asia-docker.pkg.dev`). */
  host: string;
  /** Repository path, e.g. `P/REPO/IMG`. */
  name: string;
  /** Supplies credentials when the registry asks; undefined = anonymous. */
  credentials?: () => Promise<RegistryCredentials | undefined>;
}

const GOOGLE_REGISTRY_RE = /^([a-z0-9-]+-docker\.pkg\.dev|((asia|eu|us)\.)?gcr\.io)$/;
const LOOPBACK_RE = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/;

/** Artifact Registry (and gcr.io, which Artifact Registry now serves) hosts. */
export function isGoogleRegistryHost(host: string): boolean {
  return GOOGLE_REGISTRY_RE.test(host);
}

/** Splits `host/path` (no tag or digest); Docker Hub names without a host get `docker.io`. */
export function splitRepository(repository: string): { host: string; name: string } {
  const i = repository.indexOf('/');
  const first = i < 0 ? '' : repository.slice(0, i);
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost'))
    return { host: first, name: repository.slice(i + 1) };
  return { host: 'docker.io', name: repository.includes('/') ? repository : `library/${repository}` };
}

/** Splits a reference `repo:tag` / `repo@digest` into repository and tag-or-digest (default tag latest). */
export function splitReference(reference: string): { repository: string; ref: string } {
  const at = reference.indexOf('@');
  if (at >= 0) return { repository: reference.slice(0, at), ref: reference.slice(at + 1) };
  const colon = reference.lastIndexOf(':');
  if (colon > reference.lastIndexOf('/'))
    return { repository: reference.slice(0, colon), ref: reference.slice(colon + 1) };
  return { repository: reference, ref: 'latest' };
}

/** Resolves a repository name to the registry endpoint the target uses for it. */
export function resolveRepository(repository: string, config: TargetConfig): RegistryRepo {
  const { host, name } = splitRepository(repository);
  if (!name) throw new InvalidArgumentError(`repository "${repository}" has no path`, { repository });
  // Any registry but Google's takes the user's Docker credentials when it asks (docker-config.ts).
  const docker = () => dockerConfigCredentials(host);
  if (LOOPBACK_RE.test(host)) return { base: `http://${host}`, host, name, credentials: docker };
  if (config.target === 'local') {
    if (isGoogleRegistryHost(host))
      return { base: `http://${config.registryAddress}`, host: config.registryAddress, name };
    // Other public registries are sources only; the local target cannot reach the internet's.
    return { base: `https://${host === 'docker.io' ? 'registry-1.docker.io' : host}`, host, name, credentials: docker };
  }
  if (isGoogleRegistryHost(host)) {
    const tokens = tokenSourceFor(config)!;
    // Tests only: the local Artifact Registry stands in for every Google registry host (loopback, checked by the config).
    const override = host.endsWith('-docker.pkg.dev') ? config.gcpOverrides?.registry : undefined;
    return {
      base: override ? `http://${override}` : `https://${host}`,
      host,
      name,
      credentials: async () => ({ username: 'oauth2accesstoken', password: await tokens.getAccessToken() }),
    };
  }
  return { base: `https://${host === 'docker.io' ? 'registry-1.docker.io' : host}`, host, name, credentials: docker };
}
