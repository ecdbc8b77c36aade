/**
 * GKE's (and Artifact Registry's) resource names under a location: `projects/P/locations/L`
 * and `projects/P/locations/L/clusters/C`. The one place gkeflow and the emulator build or take
 * one apart; checking the parts (project id, location) is the caller's (src/gke/rules.ts).
 */

/** `projects/P/locations/L` (L may be `-`: every location). */
export const locationName = (project: string, location: string): string => `projects/${project}/locations/${location}`;

/** The project and location of `projects/P/locations/L`, or undefined when it is not that shape. */
export function parseLocationName(name: string): { project: string; location: string } | undefined {
  const m = /^projects\/([^/]+)\/locations\/([^/]+)$/.exec(name);
  return m ? { project: m[1]!, location: m[2]! } : undefined;
}

/** `projects/P/locations/L/clusters/C` */
export const clusterName = (c: { project: string; location: string; cluster: string }): string =>
  `${locationName(c.project, c.location)}/clusters/${c.cluster}`;
