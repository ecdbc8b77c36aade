/** Reading spec files: YAML → document → validated, frozen EnvironmentSpec. */
import fs from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { SpecValidationError, validateSpec, type EnvironmentSpec } from './validate';

/** Parses YAML spec text; throws SpecValidationError naming every problem (YAML syntax ones included). */
export function parseSpec(text: string, sourceName = 'spec'): EnvironmentSpec {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    throw new SpecValidationError(
      doc.errors.map((e) => ({
        path: `(yaml line ${lineCounter.linePos(e.pos[0]).line})`,
        message: e.message.split('\n')[0] ?? e.message,
      })),
      sourceName,
    );
  }
  return validateSpec(doc.toJS(), sourceName);
}

/** Reads and parses a spec file; a missing file is reported as a SpecValidationError too. */
export function loadSpecFile(file: string): EnvironmentSpec {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new SpecValidationError(
      [{ path: '(file)', message: `cannot read ${file}: ${(err as Error).message}` }],
      file,
    );
  }
  return parseSpec(text, file);
}
