// Prints the chaos suite's outcomes (the JSON lines written through GKEFLOW_CHAOS_REPORT) as the
// markdown table of docs/reliability.md: npx tsx test/chaos/report.ts <report.jsonl>
import fs from 'node:fs';
import type { CaseRecord } from './scenario';

const file = process.argv[2];
if (!file) throw new Error('usage: npx tsx test/chaos/report.ts <report.jsonl>');
const rows = fs
  .readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as CaseRecord);
console.log('| file | case | outcome | inventory | s |');
console.log('|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.file} | ${r.name} | ${r.outcome} | ${r.inventory} | ${r.seconds} |`);
