/** The kinds of resource an environment owns: what steps act on, cleanup reports and leftovers name. */
/**
 * Resources an environment owns, in creation order; teardown goes in reverse. `namespace`: a
 * namespace environment's own namespace (spec `cluster.existing`), which it has instead of a cluster.
 */
export const RESOURCE_KINDS = ['image', 'cluster', 'namespace', 'deployment', 'service'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];
