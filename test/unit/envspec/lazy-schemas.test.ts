import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import * as schema from '../../../src/envspec/schema';
import * as appSchema from '../../../src/envspec/app-schema';
import * as existingCluster from '../../../src/envspec/existing-cluster';

/** A zod schema, or a plain object holding one (like a spread of fields). */
const holdsZod = (v: unknown): boolean =>
  v instanceof z.ZodType ||
  (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.values(v).some((x) => x instanceof z.ZodType));

// Issue 23: the worker evaluates the workflow bundle once per cached workflow, so a zod schema in
// module scope is retained once per cached workflow. The schemas are built per use instead.
void test('the envspec modules hold no zod schema in module scope; buildSchemas builds afresh', () => {
  for (const [file, mod] of Object.entries({ schema, appSchema, existingCluster }))
    for (const [name, value] of Object.entries(mod))
      assert.equal(holdsZod(value), false, `${file}.${name} is a zod schema held in module scope`);
  assert.notEqual(schema.buildSchemas().environmentSchema, schema.buildSchemas().environmentSchema);
});
