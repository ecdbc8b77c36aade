/** The kinds of resource an environment owns: what steps act on, cleanup reports and leftovers name. */
/** Resources an environment owns, in creation order; teardown goes in reverse. */
export const RESOURCE_KINDS = ['image', 'cluster', 'deployment', 'service'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];
