/**
 * The local Artifact Registry's repositories: the resources the Artifact Registry API creates,
 * lists and deletes, and the registry front consults before it accepts a push. Kept in
 * `<state dir>/artifact-registry.json` (written atomically and durably, 0600; a damaged one refused), so they survive a restart
 * like the clusters do. Images themselves live in the CNCF registry underneath.
 */
import fs from 'node:fs';
import path from 'node:path';
import { alreadyExists, invalidArgument, notFound } from '../errors';
import { readStateJson, writeFileDurably } from '../store/durable-file';
import { parseLocationName } from '../../gke/resource-names';

/** One repository as the API reports it (camelCase fields of google.devtools.artifactregistry.v1.Repository). */
export interface RepositoryRecord {
  /** `projects/P/locations/L/repositories/R` */
  readonly name: string;
  readonly format: 'DOCKER';
  readonly mode: 'STANDARD_REPOSITORY';
  readonly description: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Epoch ms. */
  readonly createTime: number;
  /** Artifact Registry's `cleanupPolicies` as created (by policy id); absent: none. */
  readonly cleanupPolicies?: Readonly<Record<string, CleanupPolicyRecord>>;
}

/** One cleanup policy (google.devtools.artifactregistry.v1.CleanupPolicy, the condition form). */
export interface CleanupPolicyRecord {
  readonly id: string;
  readonly action: 'DELETE' | 'KEEP';
  readonly condition?: { readonly tagState?: 'TAGGED' | 'UNTAGGED' | 'ANY'; readonly olderThanSeconds?: number };
}

/**
 * One version (manifest) of an image, tagged or not: Artifact Registry keeps a version when its
 * last tag goes, and counts (and bills) it until the version itself is deleted.
 */
export interface VersionRecord {
  /** Registry path `P/R/IMAGE…`. */
  readonly imagePath: string;
  readonly digest: string;
  /** Epoch ms of the first push. */
  readonly createTime: number;
}

/** Project ids (and domain-scoped `example.com:p`). */
const PROJECT_RE = /^[a-z][a-z0-9.:-]{0,99}$/;
const LOCATION_RE = /^[a-z]+(-[a-z]+[0-9]*)?$/;
/** Artifact Registry's rule for repository ids. */
const REPOSITORY_ID_RE = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const NAME_RE = /^projects\/([^/]+)\/locations\/([^/]+)\/repositories\/([^/]+)$/;

/** `projects/P/locations/L` → its parts; INVALID_ARGUMENT when malformed. */
export function parseParent(parent: string): { project: string; location: string } {
  const m = parseLocationName(parent);
  if (!m || !PROJECT_RE.test(m.project) || !(LOCATION_RE.test(m.location) || m.location === '-'))
    throw invalidArgument(`Invalid parent "${parent.slice(0, 200)}": expected projects/PROJECT/locations/LOCATION`);
  return m;
}

/** `projects/P/locations/L/repositories/R` → its parts; INVALID_ARGUMENT when malformed. */
export function parseRepositoryName(name: string): { project: string; location: string; repository: string } {
  const m = NAME_RE.exec(name);
  if (!m || !PROJECT_RE.test(m[1]!) || !LOCATION_RE.test(m[2]!) || !REPOSITORY_ID_RE.test(m[3]!))
    throw invalidArgument(
      `Invalid repository name "${name.slice(0, 200)}": expected projects/PROJECT/locations/LOCATION/repositories/REPOSITORY`,
    );
  return { project: m[1]!, location: m[2]!, repository: m[3]! };
}

/** The repositories of one local Artifact Registry. */
export class ArtifactRepositories {
  private readonly byName = new Map<string, RepositoryRecord>();
  /** `imagePath@digest` → the version. */
  private readonly versions = new Map<string, VersionRecord>();
  private readonly file: string | undefined;

  /** stateDir undefined: in memory only (tests). */
  constructor(stateDir?: string) {
    if (!stateDir) return;
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.file = path.join(stateDir, 'artifact-registry.json');
    const saved = readStateJson(this.file, 'local Artifact Registry state', (raw) => {
      const r = raw as { repositories?: RepositoryRecord[]; versions?: VersionRecord[] } | null;
      if (!r || typeof r !== 'object' || !Array.isArray(r.repositories))
        throw new Error('unknown layout (expected repositories)');
      return r;
    });
    if (!saved) return;
    for (const r of saved.repositories ?? []) this.byName.set(r.name, Object.freeze({ ...r }));
    for (const v of saved.versions ?? []) this.versions.set(`${v.imagePath}@${v.digest}`, Object.freeze({ ...v }));
  }

  private save(): void {
    if (!this.file) return;
    writeFileDurably(
      this.file,
      JSON.stringify({ repositories: [...this.byName.values()], versions: [...this.versions.values()] }, null, 2),
    );
  }

  /** Creates `parent/repositories/id`; ALREADY_EXISTS when it does, INVALID_ARGUMENT for a bad id or format. */
  create(
    parent: string,
    id: string,
    fields: {
      format?: string;
      description?: string;
      labels?: Record<string, string>;
      cleanupPolicies?: Record<string, CleanupPolicyRecord>;
    },
  ): RepositoryRecord {
    parseParent(parent);
    if (!REPOSITORY_ID_RE.test(id))
      throw invalidArgument(
        `Invalid repository id "${id.slice(0, 100)}": it must start with a lowercase letter, contain only lowercase letters, digits and hyphens, end with a letter or digit, and be at most 63 characters`,
      );
    if (fields.format && fields.format !== 'DOCKER')
      throw invalidArgument(`The local Artifact Registry serves DOCKER repositories only (got ${fields.format})`);
    const name = `${parent}/repositories/${id}`;
    if (this.byName.has(name)) throw alreadyExists(`the repository already exists: ${name}`);
    const record: RepositoryRecord = Object.freeze({
      name,
      format: 'DOCKER',
      mode: 'STANDARD_REPOSITORY',
      description: fields.description ?? '',
      labels: Object.freeze({ ...fields.labels }),
      createTime: Date.now(),
      ...(fields.cleanupPolicies && Object.keys(fields.cleanupPolicies).length
        ? { cleanupPolicies: Object.freeze({ ...fields.cleanupPolicies }) }
        : {}),
    });
    this.byName.set(name, record);
    this.save();
    return record;
  }

  /** The repository; NOT_FOUND like Artifact Registry when it does not exist. */
  get(name: string): RepositoryRecord {
    parseRepositoryName(name);
    const r = this.byName.get(name);
    if (!r) throw notFound(`Requested entity was not found. Repository "${name}" not found`);
    return r;
  }

  /** The repositories under `projects/P/locations/L` (`L` = `-`: every location), by name. */
  list(parent: string): RepositoryRecord[] {
    const { project, location } = parseParent(parent);
    return [...this.byName.values()]
      .filter((r) => {
        const p = parseRepositoryName(r.name);
        return p.project === project && (location === '-' || p.location === location);
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Removes the repository with its versions; NOT_FOUND when it does not exist. */
  delete(name: string): RepositoryRecord {
    const r = this.get(name);
    this.byName.delete(name);
    for (const v of this.versionsOf(name)) this.versions.delete(`${v.imagePath}@${v.digest}`);
    this.save();
    return r;
  }

  /** Records a version pushed under a tag (once: a re-push keeps the first push's time). */
  recordVersion(imagePath: string, digest: string): void {
    const key = `${imagePath}@${digest}`;
    if (this.versions.has(key) || !this.forImagePath(imagePath)) return;
    this.versions.set(key, Object.freeze({ imagePath, digest, createTime: Date.now() }));
    this.save();
  }

  /**
   * Follows the registry front's manifest changes: a manifest pushed under a tag is a version;
   * one deleted by digest is gone (a tag deleted leaves its version).
   */
  readonly onManifest = (c: { kind: 'put' | 'delete'; imagePath: string; ref: string; digest?: string }): void => {
    const byDigest = c.ref.startsWith('sha256:');
    if (c.kind === 'put' && !byDigest && c.digest) this.recordVersion(c.imagePath, c.digest);
    if (c.kind === 'delete' && byDigest) this.forgetVersion(c.imagePath, c.ref);
  };

  /** Forgets a version once its manifest is deleted. */
  forgetVersion(imagePath: string, digest: string): void {
    if (this.versions.delete(`${imagePath}@${digest}`)) this.save();
  }

  /** The versions recorded in a repository, tagged or not. */
  versionsOf(name: string): VersionRecord[] {
    const { project, repository } = parseRepositoryName(name);
    const prefix = `${project}/${repository}/`;
    return [...this.versions.values()].filter((v) => v.imagePath.startsWith(prefix));
  }

  /**
   * The repository a registry path `P/R/IMAGE…` pushes into, or undefined. The local mapping
   * drops the `LOCATION-docker.pkg.dev` host, so a repository R of project P in any location counts.
   */
  forImagePath(imagePath: string): RepositoryRecord | undefined {
    const [project, repository] = imagePath.split('/');
    return [...this.byName.values()].find((r) => {
      const p = parseRepositoryName(r.name);
      return p.project === project && p.repository === repository;
    });
  }
}
