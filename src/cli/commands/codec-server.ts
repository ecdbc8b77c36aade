import { AesGcmPayloadCodec } from '../../codec/aes-gcm-codec';
import { CODEC_ENV } from '../../codec/keys';
import { startCodecServer } from '../../codec/codec-server';
import { LOCAL_PORTS, PORT_ENV, localAddress } from '../../config/endpoints';
import { UsageError } from '../../config/errors';
import { temporalConfig } from '../../temporal/connection';
import type { CommandInput } from '../command';

/**
 * `gkeflow codec-server`: serve the Temporal codec-server protocol for the Web UI with the
 * configured key ring, until Ctrl-C.
 */
export async function codecServerCommand({ flags, err }: CommandInput): Promise<void> {
  const cfg = temporalConfig();
  if (!cfg.codecKeys)
    throw new UsageError(
      `no codec key: set ${CODEC_ENV.keyFile} or ${CODEC_ENV.key} (or run 'gkeflow stack up' first)`,
    );
  const raw = typeof flags.port === 'string' ? flags.port : (process.env[PORT_ENV.codec] ?? String(LOCAL_PORTS.codec));
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: ${raw} is not a port`);
  const uiOrigin = typeof flags['ui-origin'] === 'string' ? flags['ui-origin'] : cfg.uiUrl;
  const server = await startCodecServer({ codec: new AesGcmPayloadCodec(cfg.codecKeys), port, uiOrigin });
  const bound = (server.address() as { port: number }).port;
  err(
    `gkeflow codec server: http://${localAddress(bound)} for ${new URL(uiOrigin).origin} (key ${cfg.codecKeys.active.id})`,
  );
  await new Promise<void>((resolve) => ['SIGINT', 'SIGTERM'].forEach((s) => process.once(s, () => resolve())));
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
