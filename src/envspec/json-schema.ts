/**
 * The spec's JSON Schema, derived from the zod schema (the one statement of the spec's shape), for
 * editors: `gkeflow schema` prints it and docs/environment.schema.json is it, committed, so the
 * examples' `# yaml-language-server: $schema=` line completes and checks specs. Cross-field rules
 * and the Kubernetes grammars stay `gkeflow validate`'s.
 */
import { z } from 'zod';
import { buildSchemas } from './schema';

/** The JSON Schema (draft 2020-12) of a spec as written (defaults optional). */
export function specJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(buildSchemas().environmentSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'gkeflow Environment',
    description: 'A gkeflow environment spec (apiVersion gkeflow/v1, kind Environment); see README.md.',
  };
}
