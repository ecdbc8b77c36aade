import fs from 'node:fs';
import { AesGcmPayloadCodec } from '../../codec/aes-gcm-codec';
import { CODEC_ENV } from '../../codec/keys';
import { CodecServerOptionsError, startCodecServer } from '../../codec/codec-server';
import { startUiFront } from '../../codec/ui-front';
import { LOCAL_PORTS, PORT_ENV } from '../../config/endpoints';
import { UsageError } from '../../config/errors';
import { temporalConfig } from '../../temporal/connection';
import type { CommandInput } from '../command';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v])
    .flatMap((x) => (typeof x === 'string' ? x.split(',') : []))
    .map((x) => x.trim())
    .filter(Boolean);

function readFlagFile(flag: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new UsageError(`--${flag}: cannot read ${file} (${(e as NodeJS.ErrnoException).code})`);
  }
}

/**
 * `gkeflow codec-server`: serve the Temporal codec-server protocol for the Web UI with the
 * configured key ring, until Ctrl-C. Loopback http by default; TLS, more hosts and origins (the
 * Cloud UI) with a token only.
 */
export async function codecServerCommand({ flags, err }: CommandInput): Promise<void> {
  const cfg = temporalConfig();
  if (!cfg.codecKeys)
    throw new UsageError(
      `no codec key: set ${CODEC_ENV.keyFile} or ${CODEC_ENV.key} (or run 'gkeflow stack up' first)`,
    );
  const raw = str(flags.port) ?? process.env[PORT_ENV.codec] ?? String(LOCAL_PORTS.codec);
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: ${raw} is not a port`);
  const uiOrigin = str(flags['ui-origin']) ?? cfg.uiUrl;
  const certFile = str(flags['tls-cert']);
  const keyFile = str(flags['tls-key']);
  if (!!certFile !== !!keyFile) throw new UsageError('--tls-cert and --tls-key go together');
  const tls =
    certFile && keyFile
      ? { cert: readFlagFile('tls-cert', certFile), key: readFlagFile('tls-key', keyFile) }
      : undefined;
  const tokenFile = str(flags['token-file']);
  const token = tokenFile
    ? readFlagFile('token-file', tokenFile).toString('utf8').trim()
    : str(process.env[CODEC_ENV.token]);
  if (token !== undefined && token.length < 16)
    throw new UsageError(`${tokenFile ? '--token-file' : CODEC_ENV.token}: a token needs at least 16 characters`);
  const listenHost = str(flags.listen) ?? '127.0.0.1';
  const uiPortRaw = str(flags['ui-port']);
  const uiBackend = str(flags['ui-backend']);
  if (!!uiPortRaw !== !!uiBackend) throw new UsageError('--ui-port and --ui-backend go together');
  const uiPort = uiPortRaw === undefined ? undefined : Number(uiPortRaw);
  if (uiPort !== undefined && (!Number.isInteger(uiPort) || uiPort < 0 || uiPort > 65535))
    throw new UsageError(`--ui-port: ${uiPortRaw} is not a port`);
  if (uiBackend !== undefined && !URL.canParse(uiBackend))
    throw new UsageError(`--ui-backend: ${uiBackend} is not a URL`);
  if (uiPort !== undefined && !token) throw new UsageError(`--ui-port: the Web UI front needs a token (--token-file)`);
  const codec = new AesGcmPayloadCodec(cfg.codecKeys, { acceptPlain: cfg.codecAcceptPlain });
  const server = await startCodecServer({
    codec,
    port,
    uiOrigin,
    allowedOrigins: list(flags['allowed-origin']),
    allowedHosts: list(flags['allowed-host']),
    listenHost,
    tls,
    token,
  }).catch((e: Error) => {
    if (e instanceof CodecServerOptionsError) throw new UsageError(`${e.message}: set it, or --token-file`);
    throw e;
  });
  const front =
    uiPort !== undefined && uiBackend && token
      ? await startUiFront({ codec, port: uiPort, backend: uiBackend, token, tokenFile }).catch((e: Error) => {
          server.close();
          throw e;
        })
      : undefined;
  const bound = (server.address() as { port: number }).port;
  const origins = [new URL(uiOrigin).origin, ...list(flags['allowed-origin'])].join(', ');
  err(
    `gkeflow codec server: ${tls ? 'https' : 'http'}://${listenHost}:${bound} for ${origins} (key ${cfg.codecKeys.active.id}${token ? ', token required' : ''})`,
  );
  if (front)
    err(
      `gkeflow Web UI front: http://127.0.0.1:${(front.address() as { port: number }).port} → ${uiBackend} (login with the token in ${tokenFile ?? CODEC_ENV.token})`,
    );
  await new Promise<void>((resolve) => ['SIGINT', 'SIGTERM'].forEach((s) => process.once(s, () => resolve())));
  await Promise.all([server, front].map((s) => s && new Promise<void>((resolve) => s.close(() => resolve()))));
}
