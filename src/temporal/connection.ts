/**
 * How gkeflow reaches Temporal: the local dev server by default, any Temporal cluster or
 * Temporal Cloud by env vars. Address, UI URL and task queue come from src/config/endpoints
 * (TEMPORAL_ADDRESS, GKEFLOW_TEMPORAL_PORT, GKEFLOW_UI_URL, GKEFLOW_UI_PORT, GKEFLOW_TASK_QUEUE);
 * this module adds the rest.
 *
 * | env var                 | meaning                                              | default |
 * |-------------------------|------------------------------------------------------|---------|
 * | TEMPORAL_NAMESPACE      | namespace                                            | `default` |
 * | TEMPORAL_API_KEY        | Temporal Cloud API key (enables TLS)                 | none    |
 * | TEMPORAL_TLS_CERT/KEY   | mTLS client certificate and key files (enables TLS)  | none    |
 *
 * Payloads are encrypted when a codec key ring is configured (src/codec/keys.ts: GKEFLOW_CODEC_KEY_FILE,
 * GKEFLOW_CODEC_KEY, or the local stack's key for the stack's own Temporal); dataConverterFor is the
 * one place that turns it into a data converter, for the client, the worker and the CLI alike.
 */
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { AesGcmPayloadCodec, MissingKeyCodec } from '../codec/aes-gcm-codec';
import { codecMode, keyRingFromEnv, type KeyRing } from '../codec/keys';
import { pidFile } from '../stack/config';
import { stateDir } from '../paths';
import { ENDPOINT_ENV, readEndpoints, type Endpoints } from '../config/endpoints';
import { CliError, UsageError } from '../config/errors';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { loadProfile, ProfileError } from './profile';

export { taskQueueFor } from '../config/endpoints';

export interface TemporalConfig {
  address: string;
  namespace: string;
  /** An explicit task queue for every target (GKEFLOW_TASK_QUEUE, or a test's own); see taskQueueFor. */
  taskQueue?: string;
  uiUrl: string;
  apiKey?: string;
  tls?: { cert: Buffer; key: Buffer } | true;
  /** The Temporal profile named by --profile/TEMPORAL_PROFILE (src/temporal/profile.ts), if any. */
  profile?: string;
  /** TLS settings of the profile (TEMPORAL_TLS* or its [profile.x.tls] table). */
  profileTls?: TLSConfig | boolean;
  grpcMeta?: Record<string, string>;
  /** The payload codec's keys; undefined: payloads are stored plain. */
  codecKeys?: KeyRing;
  /** GKEFLOW_CODEC=accept-plain: with keys, still read plaintext payloads (else refused). */
  codecAcceptPlain?: boolean;
}

/** True for an address on this machine (127.0.0.0/8, localhost, ::1). */
function isLoopback(address: string): boolean {
  const host = address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * True when `address` is the local stack's own Temporal: on loopback, on the stack's Temporal
 * port, and recorded running in the stack's state dir. A loopback address alone is not enough
 * (`kubectl port-forward` to a cluster's Temporal is loopback too, and its workers have no key).
 */
export function isStackTemporal(address: string, env: NodeJS.ProcessEnv, endpoints: Endpoints): boolean {
  const port = Number(/:(\d+)$/.exec(address)?.[1] ?? 7233);
  if (!isLoopback(address) || port !== endpoints.ports.temporal) return false;
  // The stack's config from the endpoints already read (each endpoint variable is read once).
  const stack = { stateDir: stateDir(env), ports: endpoints.ports, taskQueue: endpoints.taskQueue ?? '' };
  return fs.existsSync(pidFile(stack, 'temporal'));
}

/**
 * The data converter for a configuration: AES-256-GCM payloads when it has codec keys; without,
 * plain payloads, and an encrypted one read back is a usage error naming the key variables.
 */
export function dataConverterFor(cfg: Pick<TemporalConfig, 'codecKeys' | 'codecAcceptPlain'>): DataConverter {
  return {
    payloadCodecs: [
      cfg.codecKeys
        ? new AesGcmPayloadCodec(cfg.codecKeys, { acceptPlain: cfg.codecAcceptPlain })
        : new MissingKeyCodec(),
    ],
  };
}

/**
 * Reads the Temporal settings from env vars; a malformed endpoint or a missing TLS file is a usage
 * error. `endpoints`: when the caller has read them already (a worker reads them once).
 */
export function temporalConfig(
  env: NodeJS.ProcessEnv = process.env,
  endpoints: Endpoints = readEndpoints(env),
): TemporalConfig {
  // Temporal's environment configuration first (profiles, TEMPORAL_* vars), the local stack else.
  const profile = loadProfile(env);
  const address = (!env.TEMPORAL_ADDRESS && profile.address) || endpoints.temporalAddress;
  const cfg: TemporalConfig = {
    address,
    namespace: profile.namespace || 'default',
    profile: profile.name,
    profileTls: profile.tls,
    grpcMeta: profile.grpcMeta,
    taskQueue: endpoints.taskQueue,
    uiUrl: endpoints.uiUrl,
    codecKeys: keyRingFromEnv(env, isStackTemporal(address, env, endpoints)),
    codecAcceptPlain: codecMode(env) === 'accept-plain',
  };
  if (profile.apiKey) {
    cfg.apiKey = profile.apiKey;
    cfg.tls = true;
  }
  if (env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_KEY) {
    const read = (name: 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY') => {
      const f = env[name];
      if (!f || !fs.existsSync(f))
        throw new UsageError(
          `${name}: ${f ? `no such file ${f}` : 'must be set together with the other TLS variable'}`,
        );
      return fs.readFileSync(f);
    };
    cfg.tls = { cert: read('TEMPORAL_TLS_CERT'), key: read('TEMPORAL_TLS_KEY') };
  }
  return cfg;
}

/** Connection options shared by the client and the worker's NativeConnection. */
export function connectionOptions(cfg: TemporalConfig) {
  // TEMPORAL_TLS_CERT/KEY add the client pair to the profile's TLS (its server CA and name stay).
  const profileTls = typeof cfg.profileTls === 'object' ? cfg.profileTls : {};
  const tls =
    cfg.tls && cfg.tls !== true
      ? { ...profileTls, clientCertPair: { crt: cfg.tls.cert, key: cfg.tls.key } }
      : (cfg.profileTls ?? (cfg.tls === true ? true : undefined));
  return { address: cfg.address, tls, apiKey: cfg.apiKey, ...(cfg.grpcMeta ? { metadata: cfg.grpcMeta } : {}) };
}

/** Thrown when the Temporal frontend cannot be reached. */
export class TemporalUnreachableError extends CliError {
  constructor(readonly address: string) {
    super(
      `cannot reach Temporal at ${address}: start the local stack with 'npx gkeflow stack up' or set ${ENDPOINT_ENV.temporalAddress}`,
      'GKF-TEMPORAL-UNREACHABLE',
    );
  }
}

/** A workflow client; fails fast with a clear error when Temporal is not there. */
export async function connectClient(
  cfg: TemporalConfig = temporalConfig(),
): Promise<{ client: Client; close: () => Promise<void> }> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...connectionOptions(cfg), connectTimeout: 5000 });
  } catch {
    if (cfg.profile)
      throw new ProfileError(`Temporal profile '${cfg.profile}' points at ${cfg.address}, where no Temporal answers`);
    throw new TemporalUnreachableError(cfg.address);
  }
  return {
    client: new Client({ connection, namespace: cfg.namespace, dataConverter: dataConverterFor(cfg) }),
    close: () => connection.close(),
  };
}
