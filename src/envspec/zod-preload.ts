/**
 * What the worker preloads into the V8 context its workflows share (workflowBundlerOptions in
 * src/workflow-source.ts): zod, evaluated once per worker instead of once per cached workflow
 * (issue 23). The spec validation itself (src/envspec) stays per workflow; only zod is shared.
 *
 * The worker freezes what it preloads, and zod completes itself lazily: its first schema of each
 * kind installs accessors on that kind's prototype, its first schema and first container set the
 * default locale and memoizer in its global config, its first object parse probes whether it may
 * compile parsers, its first failure builds its error class. So this module builds, parses and
 * fails one schema of every kind src/envspec uses before the freeze (a kind missing here fails
 * every workflow that builds it: the replay tests and test/unit/workflows/shared-zod.test.ts).
 */
import { z } from 'zod';

const warm = z
  .strictObject({
    s: z
      .string()
      .min(1, 'min')
      .regex(/^[a-z]+$/, 'regex')
      .startsWith('a', 'startsWith')
      .superRefine((v, ctx) => {
        if (v === 'bad') ctx.addIssue({ code: 'custom', message: 'custom' });
      })
      .default('abc'),
    i: z.int({ error: 'int' }).min(1, 'min').max(9, 'max').optional(),
    n: z.union([z.string(), z.number()]).transform(String).optional(),
    b: z.boolean().default(false),
    l: z.literal('x', { error: 'literal' }).optional(),
    e: z.enum(['A', 'B'], { error: 'enum' }).default('A'),
    r: z
      .record(
        z.string().superRefine(() => undefined),
        z.unknown(),
      )
      .default({}),
    p: z.partialRecord(z.enum(['cpu', 'memory']), z.union([z.string(), z.number()])).optional(),
    a: z
      .array(z.strictObject({ k: z.string() }).refine((o) => o.k !== 'bad', 'refine'))
      .min(1)
      .max(3)
      .optional(),
    o: z.strictObject({ on: z.boolean().default(true) }).prefault({}),
  })
  .superRefine(() => undefined);

/** The verdicts of the warm-up parses (a good document, then bad ones), made when this module was evaluated. */
export const preloadVerdicts: readonly boolean[] = [
  { s: 'abc', i: 2, n: 1, l: 'x', r: { a: 1 }, p: { cpu: 1 }, a: [{ k: 'a' }] },
  { s: 'bad', i: 1.5, n: null, b: 'x', l: 'y', e: 'C', r: [], p: { gpu: 1 }, a: [{ k: 'bad' }, {}], o: 1, x: 1 },
  { s: '', a: [] },
  [],
  null,
].map((doc) => warm.safeParse(doc).success);
