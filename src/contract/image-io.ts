/**
 * The image activities' inputs and results (Artifact Registry repositories, pushes, tags).
 * Plain JSON data only: everything here goes into workflow history, so it must never hold a
 * credential, token, kubeconfig, CA or client certificate.
 */
import type { DemoVariant } from './demo-variants';
import type { EnvRef } from './environment-id';
import type { DeleteResult } from './workload-io';

/** A source image: an OCI archive (tar), an OCI layout directory, a registry reference, or gkeflow's builtin demo image. */
export type ImageSource =
  | { kind: 'oci-archive'; path: string }
  /** A `docker save` tar (spec source `docker-archive:<path>`). */
  | { kind: 'docker-archive'; path: string }
  | { kind: 'oci-layout'; path: string; tag?: string }
  | { kind: 'registry'; reference: string }
  /**
   * A tiny real image gkeflow builds locally (spec source `builtin:demo`), so the demo needs no
   * Docker Hub; `builtin:demo?variant=v2` is the same server as another image (its own digest)
   * that reports its variant, so a rollout to a new image can be seen locally.
   */
  | { kind: 'builtin'; name: 'demo'; variant?: DemoVariant };

export interface PushImageInput {
  env: EnvRef;
  source: ImageSource;
  /** Destination repository without tag, e.g. `asia-docker.pkg.dev/P/REPO/tensorflow` or `127.0.0.1:5000/P/REPO/tensorflow`. */
  repository: string;
  tag: string;
}

export interface PushImageResult {
  /** `sha256:…` digest of the pushed manifest. */
  digest: string;
  /** `repository@digest`: what the Deployment runs. */
  reference: string;
  bytesUploaded: number;
  bytesSkipped: number;
  /**
   * The Artifact Registry repository the push created again for this environment (another
   * environment sharing it had deleted it, empty): this environment's cleanup deletes it once empty.
   */
  repositoryCreated?: string;
}

export interface DeleteImageTagInput {
  env: EnvRef;
  repository: string;
  tag: string;
}

export interface EnsureRepositoryInput {
  env: EnvRef;
  /** The image repository the push goes to, e.g. `asia-docker.pkg.dev/P/REPO/tensorflow`. */
  repository: string;
  /** The gkeflow-owner label a repository it creates carries (labels.ts). */
  owner?: string;
}

export interface EnsureRepositoryResult {
  /** `projects/P/locations/L/repositories/R`; absent when the image is not on an Artifact Registry repository. */
  repository?: string;
  /** gkeflow created the repository for this environment: its compensation may delete it. */
  created: boolean;
}

export interface DeleteRepositoryInput {
  env: EnvRef;
  /** `projects/P/locations/L/repositories/R` */
  name: string;
}

export interface ListRepositoriesInput {
  project: string;
  /** An Artifact Registry location, or `-` for every location. */
  location: string;
}

/** One Artifact Registry repository as the reaper sees it (plain JSON). */
export interface RepositorySummary {
  /** `projects/P/locations/L/repositories/R` */
  name: string;
  labels: Record<string, string>;
  /** Creation time, epoch ms (0 when the API did not say). */
  createdAtMs: number;
  /** How many images it holds; counted only for repositories labelled managed-by: gkeflow. */
  images?: number;
}

/** deleteRepository's result: `kept` says why a repository that still exists was not deleted. */
export interface DeleteRepositoryResult extends DeleteResult {
  kept?: string;
}
