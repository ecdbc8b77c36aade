/**
 * `gkeflow up`'s check of a spec against GKE before anything starts: GetServerConfig on the
 * spec's location, through the target's own client and credentials (gcp: ADC on the CLI's
 * machine; local: the stack's emulator). GKE answers INVALID_ARGUMENT for a location it does
 * not have ('Location "…" does not exist.'): bad input, exit 2 naming `location`, nothing
 * started. When the answer lists release channels, a pinned channel must be one of them.
 *
 * The check only helps: an API it cannot reach, credentials it lacks (the worker may hold
 * others), or an error still transient after the retries the failure registry allows skip it
 * with one warning, and GKE's CreateCluster stays the authority. Machine and accelerator types
 * are Compute Engine's: compute-preflight.ts checks them the same way.
 */
import { status } from '@grpc/grpc-js';
import { ActivityError } from '../contract/activity-errors';
import { gkeError, grpcCode } from '../clients/gke-errors';
import { targetConfigFromEnv } from '../clients/config';
import { getServerConfig, type ServerConfig } from '../clients/gke';
import type { TargetConfig } from '../clients/config';
import { FAILURES } from '../contract/failures';
import { SpecValidationError, type EnvironmentSpec } from '../envspec';
import { locationName } from '../gke/resource-names';
import { computeGetVia } from '../clients/compute';
import { checkSpecWithCompute } from './compute-preflight';

export interface PreflightDeps {
  /** GetServerConfig of `projects/P/locations/L`. */
  serverConfig: (name: string) => Promise<ServerConfig>;
  /** Takes the warning when the check is skipped. */
  warn: (line: string) => void;
  /** The wait before the second attempt; it doubles after each (default 500 ms). */
  retryDelayMs?: number;
}

/** Attempts at a retryable failure before the check is skipped. */
const ATTEMPTS = 3;

/** GetServerConfig through a target's GKE client (5 s per attempt). */
export const serverConfigVia =
  (config: TargetConfig) =>
  (name: string): Promise<ServerConfig> =>
    getServerConfig(config, name, 5000);

/** Throws SpecValidationError when GKE refuses the spec's location or channel; warns and returns when it cannot tell. */
export async function checkSpecWithGke(spec: EnvironmentSpec, source: string, deps: PreflightDeps): Promise<void> {
  const name = locationName(spec.project, spec.location);
  let config: ServerConfig | undefined;
  for (let attempt = 1; !config; attempt++) {
    try {
      config = await deps.serverConfig(name);
    } catch (e) {
      // The name is well formed (the spec was validated): INVALID_ARGUMENT is about the location.
      if (grpcCode(e) === status.INVALID_ARGUMENT) {
        const said = (e as { details?: string }).details || (e as Error).message;
        throw new SpecValidationError(
          [{ path: 'location', message: `GKE does not offer ${spec.location}: ${said}` }],
          source,
        );
      }
      const err = e instanceof ActivityError ? e : gkeError(e, { project: spec.project, location: spec.location });
      if (FAILURES[err.type].retryable && attempt < ATTEMPTS) {
        await new Promise((r) => setTimeout(r, (deps.retryDelayMs ?? 500) * 2 ** (attempt - 1)));
        continue;
      }
      deps.warn(
        `warning: could not check location ${spec.location} against GKE (${err.type}: ${err.message.split('\n')[0]}); ` +
          'going on: GKE checks it when the cluster is created',
      );
      return;
    }
  }
  const channels = (config.channels ?? []).map((c) => String(c.channel ?? '')).filter(Boolean);
  const pinned = spec.cluster.releaseChannel;
  if (pinned && channels.length && !channels.includes(pinned))
    throw new SpecValidationError(
      [
        {
          path: 'cluster.releaseChannel',
          message: `GKE offers ${channels.join(', ')} in ${spec.location}, not ${pinned}`,
        },
      ],
      source,
    );
}

/** The check as `up` runs it: through the spec's target as the env configures it (a malformed setting skips it). */
export async function preflightUp(spec: EnvironmentSpec, source: string, warn: (line: string) => void): Promise<void> {
  let config: TargetConfig;
  try {
    config = targetConfigFromEnv({ ...process.env, GKEFLOW_TARGET: spec.target });
  } catch (e) {
    warn(`warning: could not check location ${spec.location} against GKE (${(e as Error).message})`);
    return;
  }
  await checkSpecWithGke(spec, source, { serverConfig: serverConfigVia(config), warn });
  // Autopilot picks its own machines.
  if (spec.cluster.mode !== 'autopilot') await checkSpecWithCompute(spec, source, { get: computeGetVia(config), warn });
}
