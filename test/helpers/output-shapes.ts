/**
 * The result shapes docs/cli-output.md documents, read from its table, and the checks the
 * output tests apply: stdout is one JSON document with the documented keys, or the error document.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { ERROR_CODES } from '../../src/contract/error-codes';
import { main } from '../../src/cli/main';
import { repoRoot } from '../../src/paths';

interface Shape {
  array: boolean;
  keys: string[];
}

/** command (as the table names it, e.g. `up --wait`) → its documented result keys. */
export function documentedShapes(): Map<string, Shape> {
  const doc = fs.readFileSync(path.join(repoRoot, 'docs/cli-output.md'), 'utf8');
  const shapes = new Map<string, Shape>();
  for (const m of doc.matchAll(/^\| ([a-z -]+?) \| `(\[?)\{([^}]*)\}\]?` \|$/gm))
    shapes.set(m[1]!, { array: m[2] === '[', keys: m[3]!.split(',').map((k) => k.trim()) });
  return shapes;
}

/** Fails unless `doc` has every key the docs list for `command`. */
export function assertDocumentedShape(command: string, doc: unknown): void {
  const shape = documentedShapes().get(command);
  assert.ok(shape, `docs/cli-output.md documents ${command}`);
  const items = shape.array ? (assert.ok(Array.isArray(doc), `${command}: an array`), doc as unknown[]) : [doc];
  for (const item of items) {
    assert.ok(item && typeof item === 'object' && !Array.isArray(item), `${command}: an object`);
    for (const k of shape.keys) assert.ok(k in item, `${command}: has ${k} (got ${Object.keys(item).join(', ')})`);
  }
}

/** Fails unless `doc` is the documented error document with this code. */
export function assertErrorDocument(doc: unknown, code: keyof typeof ERROR_CODES): { path: string; message: string }[] {
  const e = (doc as { error?: { code?: unknown; message?: unknown; problems?: unknown } }).error;
  assert.ok(e, `an error document: ${JSON.stringify(doc)}`);
  assert.deepEqual(Object.keys(doc as object), ['error']);
  assert.equal(e.code, code, JSON.stringify(doc));
  assert.equal(typeof e.message, 'string');
  assert.ok(Array.isArray(e.problems));
  for (const p of e.problems as unknown[]) {
    assert.equal(typeof (p as { path: unknown }).path, 'string');
    assert.equal(typeof (p as { message: unknown }).message, 'string');
  }
  return e.problems as { path: string; message: string }[];
}

/** Runs the CLI in this process; stdout must be exactly one JSON document. */
export async function runJson(argv: string[]): Promise<{ code: number; doc: unknown; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await main(argv, { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) });
  const text = stdout.join('\n');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    assert.fail(`gkeflow ${argv.join(' ')}: stdout is not one JSON document: ${text}\nstderr: ${stderr.join('\n')}`);
  }
  return { code, doc, stderr: stderr.join('\n') };
}
