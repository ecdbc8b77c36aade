/** GKE facts of the cluster shapes of issue 22 (Workload Identity, Shared VPC), shared by the spec and the emulator. */

/** The only Workload Identity pool GKE accepts for a project's clusters. */
export const workloadPoolOf = (project: string): string => `${project}.svc.id.goog`;

/** The project of a `projects/P/regions/R/subnetworks/S` path (a Shared VPC's host project), if it is one. */
export function subnetworkProject(subnetwork: string | undefined): string | undefined {
  return /^projects\/([^/]+)\/regions\/[^/]+\/subnetworks\/[^/]+$/.exec(subnetwork ?? '')?.[1];
}
