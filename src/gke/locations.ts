/**
 * GCP's regions and the zone letters of each, as Google lists them (cloud.google.com/compute/docs/
 * regions-zones, 2026). The emulator accepts exactly these, as GKE refuses any other location
 * ("Location "…" does not exist."). gkeflow's own validation does not use this list (it goes stale
 * as Google adds regions): it asks GKE's GetServerConfig where the API is reachable.
 */
export const GCP_ZONES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'africa-south1': ['a', 'b', 'c'],
  'asia-east1': ['a', 'b', 'c'],
  'asia-east2': ['a', 'b', 'c'],
  'asia-northeast1': ['a', 'b', 'c'],
  'asia-northeast2': ['a', 'b', 'c'],
  'asia-northeast3': ['a', 'b', 'c'],
  'asia-south1': ['a', 'b', 'c'],
  'asia-south2': ['a', 'b', 'c'],
  'asia-southeast1': ['a', 'b', 'c'],
  'asia-southeast2': ['a', 'b', 'c'],
  'australia-southeast1': ['a', 'b', 'c'],
  'australia-southeast2': ['a', 'b', 'c'],
  'europe-central2': ['a', 'b', 'c'],
  'europe-north1': ['a', 'b', 'c'],
  'europe-north2': ['a', 'b', 'c'],
  'europe-southwest1': ['a', 'b', 'c'],
  'europe-west1': ['b', 'c', 'd'],
  'europe-west2': ['a', 'b', 'c'],
  'europe-west3': ['a', 'b', 'c'],
  'europe-west4': ['a', 'b', 'c'],
  'europe-west6': ['a', 'b', 'c'],
  'europe-west8': ['a', 'b', 'c'],
  'europe-west9': ['a', 'b', 'c'],
  'europe-west10': ['a', 'b', 'c'],
  'europe-west12': ['a', 'b', 'c'],
  'me-central1': ['a', 'b', 'c'],
  'me-central2': ['a', 'b', 'c'],
  'me-west1': ['a', 'b', 'c'],
  'northamerica-northeast1': ['a', 'b', 'c'],
  'northamerica-northeast2': ['a', 'b', 'c'],
  'northamerica-south1': ['a', 'b', 'c'],
  'southamerica-east1': ['a', 'b', 'c'],
  'southamerica-west1': ['a', 'b', 'c'],
  'us-central1': ['a', 'b', 'c', 'f'],
  'us-east1': ['b', 'c', 'd'],
  'us-east4': ['a', 'b', 'c'],
  'us-east5': ['a', 'b', 'c'],
  'us-south1': ['a', 'b', 'c'],
  'us-west1': ['a', 'b', 'c'],
  'us-west2': ['a', 'b', 'c'],
  'us-west3': ['a', 'b', 'c'],
  'us-west4': ['a', 'b', 'c'],
});

/** True when `location` is one of GCP_ZONES' regions or zones. */
export function gcpLocationExists(location: string): boolean {
  if (Object.hasOwn(GCP_ZONES, location)) return true;
  const m = /^(.+)-([a-z])$/.exec(location);
  return Boolean(m && Object.hasOwn(GCP_ZONES, m[1]!) && GCP_ZONES[m[1]!]!.includes(m[2]!));
}
