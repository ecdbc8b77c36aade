/**
 * Temporal's own environment configuration (the `temporal` CLI's): TOML profiles in
 * `TEMPORAL_CONFIG_FILE` (default `~/.config/temporalio/temporal.toml`), the profile named by
 * `--profile` or `TEMPORAL_PROFILE` (default `default`), and the `TEMPORAL_ADDRESS`,
 * `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS*` variables over it, read by
 * @temporalio/envconfig so the same profile drives `temporal` and gkeflow.
 */
import fs from 'node:fs';
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { CliError } from '../config/errors';

/** Thrown when the selected profile is unknown, its file is malformed, or it points at no Temporal (exit 2). */
export class ProfileError extends CliError {
  constructor(message: string) {
    super(message, 'GKF-PROFILE');
  }
}

/** The connection settings a profile gives (after the env vars), and which profile it was. */
export interface LoadedProfile {
  /** The profile asked for by --profile/TEMPORAL_PROFILE; undefined when none was named. */
  name?: string;
  address?: string;
  namespace?: string;
  apiKey?: string;
  tls?: TLSConfig | boolean;
  grpcMeta?: Record<string, string>;
}

/** Reads the profile; an unknown profile or a malformed file is a ProfileError. */
export function loadProfile(env: NodeJS.ProcessEnv = process.env): LoadedProfile {
  // An empty variable counts as unset (TEMPORAL_ADDRESS= must not override a profile's address).
  const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => !!e[1]));
  const file = env.TEMPORAL_CONFIG_FILE;
  if (file && !fs.existsSync(file)) throw new ProfileError(`TEMPORAL_CONFIG_FILE=${file}: no such file`);
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: vars });
  } catch (e) {
    const m = (e as Error).message;
    throw new ProfileError(
      /not found/.test(m)
        ? `unknown Temporal profile '${env.TEMPORAL_PROFILE}' (${file ? `in ${file}` : 'in the default config file or TEMPORAL_CONFIG_FILE'})`
        : `Temporal config file${file ? ` ${file}` : ''}: ${m}`,
    );
  }
  const tls = toClientOptions(profile).connectionOptions.tls;
  return {
    name: env.TEMPORAL_PROFILE || undefined,
    address: profile.address,
    namespace: profile.namespace,
    apiKey: profile.apiKey,
    tls: tls ?? undefined,
    grpcMeta: profile.grpcMeta,
  };
}
