// What a V8 heap snapshot holds, in a few lines: the live size and the largest groups of objects
// by constructor (or by node type for strings, code, arrays…), from the snapshot's own node table.
import fs from 'node:fs';

export interface HeapSummary {
  /** Sum of every node's self size: the live JS heap at the snapshot. */
  liveBytes: number;
  nodes: number;
  /** The largest groups, biggest first. */
  top: Array<{ name: string; bytes: number; count: number }>;
}

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export function summarizeHeapSnapshot(file: string, topN = 8): HeapSummary {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups = new Map<string, { bytes: number; count: number }>();
  let live = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!] ?? '?';
    const size = snap.nodes[i + sizeAt]!;
    live += size;
    const name = type === 'object' ? (snap.strings[snap.nodes[i + nameAt]!] ?? '?') : `(${type})`;
    const g = groups.get(name) ?? { bytes: 0, count: 0 };
    g.bytes += size;
    g.count += 1;
    groups.set(name, g);
  }
  const top = [...groups.entries()]
    .map(([name, g]) => ({ name, ...g }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, topN);
  return { liveBytes: live, nodes: snap.nodes.length / width, top };
}

/** `12 MB live (80k objects): (string) 4 MB, Object 2 MB, …`. */
export function describeHeap(h: HeapSummary): string {
  const m = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  return (
    `${m(h.liveBytes)} live (${(h.nodes / 1000).toFixed(0)}k objects): ` +
    h.top.map((t) => `${t.name} ${m(t.bytes)}`).join(', ')
  );
}
