/**
 * The suite's last check in each file: every history of every run the stack's Temporal holds
 * (payload bytes decoded as text, as anyone reading the server would see them) and every log
 * file of the stack must be free of credentials and of the spec's secret env value.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fs from 'node:fs';
import type { ChaosStack } from '../helpers/chaos-stack';
import { QUICK, SECRET_ENV_VALUE } from './scenario';

/** What counts as a credential; the secret env value is checked separately (see secretEnvFindings). */
const PATTERNS: Array<[string, RegExp]> = [
  ['PEM block', /-----BEGIN [A-Z ]*(CERTIFICATE|PRIVATE KEY)-----/],
  ['base64 PEM', /LS0tLS1CRUdJTi/],
  ['kubeconfig', /client-key-data|client-certificate-data|certificate-authority-data|\bkind: Config\b/],
  ['master auth', /\\?"(clientKey|clientCertificate|clusterCaCertificate|keyData|certData)\\?"\s*:\s*\\?"[^"\\]+/],
  ['bearer token', /Bearer [A-Za-z0-9._~+/-]{8,}/],
];
const SECRET_ENV: [string, RegExp] = ['secret env value', new RegExp(SECRET_ENV_VALUE)];

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

/**
 * Every history and log of the stack; returns how many of each it read. `secretEnv`: also look
 * for the spec's secret env value (plain in history until payloads are encrypted by the codec).
 */
export async function scanForSecrets(
  stack: ChaosStack,
  { secretEnv = false } = {},
): Promise<{ histories: number; logs: number }> {
  const patterns = secretEnv ? [...PATTERNS, SECRET_ENV] : PATTERNS;
  const found: string[] = [];
  let histories = 0;
  for await (const wf of stack.client.workflow.list()) {
    const h = stack.client.workflow.getHandle(wf.workflowId, wf.runId);
    const text = JSON.stringify(await h.fetchHistory(), decode);
    // Proves the payloads were decoded: the workflow input names its cluster in plain JSON (or is
    // encrypted by the payload codec, which the scan cannot see through, as intended).
    if (!/\\?"cluster\\?":\\?"|binary\/encrypted/.test(text))
      found.push(`undecoded payloads in history ${wf.workflowId}`);
    found.push(...findings(patterns, `history ${wf.workflowId} ${wf.runId}`, text));
    histories++;
  }
  const logs = stack.logFiles();
  for (const f of logs) found.push(...findings(patterns, `log ${f}`, fs.readFileSync(f, 'utf8')));
  assert.ok(histories > 0, 'the scan read at least one history');
  assert.deepEqual(found, [], `credentials found: ${found.join('; ')}`);
  return { histories, logs: logs.length };
}

/** Why the secret-env-value scan is known to fail (outside the quick set), while it does. */
export const SECRET_ENV_KNOWN_FAILING =
  'known failing until payloads are encrypted by default (issue 10 defect 4): container env values are workflow and activity inputs';

/** Registers the scan as the last tests of a chaos file. */
export function secretScanTests(stack: () => ChaosStack): void {
  void test('no history or log of this file holds a certificate, key, token or kubeconfig', async () => {
    await scanForSecrets(stack());
  });
  void test(
    "no history or log of this file holds the spec's secret env value",
    { skip: QUICK && SECRET_ENV_KNOWN_FAILING },
    async () => {
      await scanForSecrets(stack(), { secretEnv: true });
    },
  );
}
