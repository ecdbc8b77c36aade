/** `gkeflow schema`: the spec's JSON Schema on stdout (for editors and CI linters). */
import { specJsonSchema } from '../../envspec/json-schema';
import type { CommandInput } from '../command';
import { emitResult, machineMode } from '../output';

export async function schemaCommand(input: CommandInput): Promise<void> {
  const schema = specJsonSchema();
  if (machineMode(input)) return emitResult(input, schema);
  input.out(JSON.stringify(schema, null, 2));
}
