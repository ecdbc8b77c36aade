/**
 * Runs the real CLI under a pseudo-terminal (util-linux `script`), so stdin and stderr are TTYs
 * as at a person's terminal; `input` is typed into it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../src/paths';

export interface PtyResult {
  code: number;
  /** Everything the terminal showed (stdout and stderr, with the typed echo). */
  screen: string;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function runCliInPty(args: string[], input: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000) {
  const cmd = [process.execPath, '--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args]
    .map(quote)
    .join(' ');
  return new Promise<PtyResult>((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (b: Buffer) => (screen += b.toString()));
    child.stderr.on('data', (b: Buffer) => (screen += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gkeflow ${args.join(' ')} under a pty timed out: ${screen}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, screen });
    });
    child.stdin.end(input);
  });
}
