/**
 * `gkeflow open ENV [--browser]`: where to look at an environment — its endpoint (the load
 * balancer, as in the walkthrough) and its run's Web UI page; --browser opens both.
 */
import { spawn } from 'node:child_process';
import { connectClient, temporalConfig } from '../../temporal/connection';
import { envStatus, resolveEnvId, uiLink } from '../../temporal/environments';
import type { CommandInput } from '../command';
import { emitResult } from '../output';

/** The command that opens a URL in the user's browser on this OS. */
function opener(): string {
  return process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
}

function openUrl(url: string, err: (l: string) => void): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(opener(), [url], { stdio: 'ignore', detached: true });
    child.once('error', (e) => {
      err(`could not open ${url} with ${opener()}: ${e.message}`);
      resolve();
    });
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

/** `gkeflow open ENV [--browser]`. */
export async function openCommand(input: CommandInput): Promise<void> {
  const { flags, args, out, err } = input;
  const cfg = temporalConfig();
  const { client, close } = await connectClient(cfg);
  try {
    const envId = await resolveEnvId(client, args[0]!);
    const st = await envStatus(client, envId);
    const ui = uiLink(cfg, envId, st.runId);
    const endpoint = st.status?.endpoint;
    out(`endpoint  ${endpoint ?? `none yet (phase ${st.status?.phase ?? st.runStatus.toLowerCase()})`}`);
    out(`web ui    ${ui}`);
    emitResult(input, {
      envId,
      runId: st.runId,
      phase: st.status?.phase ?? null,
      endpoint: endpoint ?? null,
      uiLink: ui,
    });
    if (flags.browser) for (const url of [endpoint, ui]) if (url) await openUrl(url, err);
  } finally {
    await close();
  }
}
