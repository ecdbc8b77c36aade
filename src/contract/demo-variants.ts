/**
 * The variants of the builtin demo image (`builtin:demo?variant=v2`): the same server under
 * another image config, so another digest. A leaf with no imports: the spec parser, the image
 * builder and the emulator's data plane all read it.
 */

/** The variants; `v1` is plain `builtin:demo`. */
export const DEMO_VARIANTS = ['v1', 'v2', 'v3'] as const;
export type DemoVariant = (typeof DEMO_VARIANTS)[number];
