/**
 * The suite's last check in each file: every history of every run the stack's Temporal holds
 * (payload bytes decoded as text, as anyone reading the server would see them) and every log
 * file of the stack must be free of credentials and of the spec's secret env value.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import type { ChaosStack } from '../helpers/chaos-stack';
import { record, SECRET_ENV_VALUE } from './scenario';

/** What counts as a credential, and the spec's secret env value (payloads are encrypted by the codec). */
const PATTERNS: Array<[string, RegExp]> = [
  ['PEM block', /-----BEGIN [A-Z ]*(CERTIFICATE|PRIVATE KEY)-----/],
  ['base64 PEM', /LS0tLS1CRUdJTi/],
  ['kubeconfig', /client-key-data|client-certificate-data|certificate-authority-data|\bkind: Config\b/],
  ['master auth', /\\?"(clientKey|clientCertificate|clusterCaCertificate|keyData|certData)\\?"\s*:\s*\\?"[^"\\]+/],
  ['bearer token', /Bearer [A-Za-z0-9._~+/-]{8,}/],
  ['secret env value', new RegExp(SECRET_ENV_VALUE)],
];

/** Decodes payload bytes (base64 strings or byte arrays) so the patterns can see their text. */
function decode(key: string, v: unknown): unknown {
  if ((key === 'data' || key === 'encoding') && typeof v === 'string') return Buffer.from(v, 'base64').toString('utf8');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer')
    return Buffer.from((v as { data: number[] }).data).toString('utf8');
  return v;
}

function findings(patterns: Array<[string, RegExp]>, where: string, text: string): string[] {
  return patterns.filter(([, re]) => re.test(text)).map(([what]) => `${what} in ${where}`);
}

/** Every history and log of the stack; returns how many of each it read. */
export async function scanForSecrets(stack: ChaosStack): Promise<{ histories: number; logs: number }> {
  const found: string[] = [];
  let histories = 0;
  const raw = await stack.rawClient();
  for await (const wf of raw.workflow.list()) {
    const h = raw.workflow.getHandle(wf.workflowId, wf.runId);
    const text = JSON.stringify(await h.fetchHistory(), decode);
    // Proves the payloads were decoded: the workflow input names its cluster in plain JSON (or is
    // encrypted by the payload codec, which the scan cannot see through, as intended).
    if (!/\\?"cluster\\?":\\?"|binary\/encrypted/.test(text))
      found.push(`undecoded payloads in history ${wf.workflowId}`);
    found.push(...findings(PATTERNS, `history ${wf.workflowId} ${wf.runId}`, text));
    histories++;
  }
  const logs = stack.logFiles();
  for (const f of logs) found.push(...findings(PATTERNS, `log ${f}`, fs.readFileSync(f, 'utf8')));
  assert.ok(histories > 0, 'the scan read at least one history');
  assert.deepEqual(found, [], `credentials found: ${found.join('; ')}`);
  return { histories, logs: logs.length };
}

/** Registers the scan as the last test of a chaos file. */
export function secretScanTests(stack: () => ChaosStack): void {
  void test('no history or log of this file holds a certificate, key, token, kubeconfig or secret env value', async () => {
    const { histories, logs } = await scanForSecrets(stack());
    record({
      file: 'secret-scan',
      name: `after ${path.basename(process.argv[1] ?? '?')}`,
      outcome: 'clean',
      inventory: `${histories} histories, ${logs} logs read`,
      seconds: 0,
    });
  });
}
